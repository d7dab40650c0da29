"""The Adjudicate page opened as ``adjudicate?sentence=<id>``: any sentence, whoever labelled it.

Not a page (the router lists the pages). Start with :func:`one_sentence`;
the keys come from :func:`annotator.adjudication.sentence_items`, each
decided with :func:`pages.adjudicate_panel.decide`.
"""

from __future__ import annotations

import streamlit as st

from annotator import adjudication
from annotator.accounts import User
from annotator.display import escape_markdown
from annotator.labelsets import LabelSet
from annotator.storage import Store
from pages.adjudicate_panel import decide, item_of, sentence_history

SENTENCE_PARAM = "sentence"


def _back() -> None:
    del st.query_params[SENTENCE_PARAM]


def one_sentence(store: Store, user: User, labelset: LabelSet, wanted: str) -> None:
    """The page for the sentence in the address: each of its keys, one chosen to decide."""
    st.button("Back to the queue", key="adjudicate.back", on_click=_back)
    # The address is typed text: only a plausible id reaches the database; shown escaped.
    sentence_id = int(wanted) if wanted.isdigit() and len(wanted) <= 15 else None
    try:
        if sentence_id is None:
            raise LookupError(wanted)
        items = adjudication.sentence_items(store, user, sentence_id, labelset=labelset)
    except LookupError:
        st.warning(escape_markdown(f"There is no sentence {wanted[:40]}."))
        return
    keys = [item_of(row) for _, row in items.iterrows()]
    names = [k.name + (f" ({len(k.labels)} labelled)" if k.labels else "") for k in keys]
    chosen = st.selectbox(
        "Label to decide", range(len(keys)), key="adjudicate.key", format_func=names.__getitem__
    )
    item = keys[chosen]
    labelled = [k for k in keys if k.labels]
    done = sum(1 for g in items["gold"] if g is not None)
    decide(
        store, user, labelset, item,
        f"sentence {item.sentence_id} · {item.name} · {len(labelled)} keys labelled · "
        f"{done} with gold",
    )  # fmt: skip
    sentence_history(store, user, item.sentence_id)
