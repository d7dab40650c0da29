"""The Streamlit entry: the pages and the shared sidebar, nothing else.

Start it with ``workbench serve`` or ``python workbench.py [streamlit options]``
(not ``streamlit run``): see :func:`_serve`.
"""

import sys

import streamlit as st


def _serve() -> None:
    """Run the app in this process, with ``pages/`` read as st.navigation pages.

    Streamlit treats a ``pages/`` folder beside the entry script as a
    version-1 multipage app until the first ``st.navigation`` call; a first
    visit straight to ``/annotate`` would then run that page without this
    router. Telling Streamlit up front, as ``st.navigation`` itself does,
    makes every first visit go through here.
    """
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.web import cli

    PagesManager.uses_pages_directory = False
    sys.argv = ["streamlit", "run", __file__, *sys.argv[1:]]
    sys.exit(cli.main())


if __name__ == "__main__" and not st.runtime.exists():
    _serve()

# Imported after the launcher: their caches need the running app.
from annotator.accounts import Permission  # noqa: E402
from annotator.display import escape_markdown  # noqa: E402
from pages import login_session, ui  # noqa: E402

st.set_page_config(page_title="Stance workbench", page_icon="📰", layout="wide")

ui.store()  # opens the database; the first start loads the label set and the seeds

# Each page with the permission it needs (None: everyone). A role without it
# does not see the page, and annotator.team refuses the page's actions anyway.
PAGES = [
    (st.Page("pages/home.py", title="Home", default=True), None),
    (st.Page("pages/import.py", title="Import", url_path="import"), Permission.IMPORT),
    (st.Page("pages/annotate.py", title="Annotate", url_path="annotate"), Permission.LABEL),
    (st.Page("pages/adjudicate.py", title="Adjudicate"), Permission.ADJUDICATE),
    (st.Page("pages/agreement.py", title="Agreement"), Permission.SEE_AGREEMENT),
    (st.Page("pages/compare.py", title="Compare", url_path="compare"), Permission.COMPARE),
    (st.Page("pages/model.py", title="Model", url_path="model"), Permission.TRAIN),
    (st.Page("pages/export.py", title="Export", url_path="export"), Permission.EXPORT),
]
user = ui.user()  # in team mode, after a reload or in a new tab: the browser's kept login
if user is None:  # team mode and nobody logged in: every address shows the login page
    # and keeps its path, so the page asked for opens once someone has logged in
    login_session.sync_cookie()  # clears the cookie after log out
    logins = [
        st.Page(
            "pages/login.py", title="Log in", url_path=p.url_path or None, default=not p.url_path
        )
        for p, _ in PAGES
    ]
    st.navigation(logins, position="hidden").run()
    st.stop()
navigation = st.navigation([page for page, needs in PAGES if needs is None or user.can(needs)])

with st.sidebar:
    # Names may come from the page address: shown as text, never as Markdown.
    if ui.team_mode():
        st.caption(f"Logged in: **{escape_markdown(user.name)}** ({user.role})")
        st.button(
            "Log out", key="workbench.logout", on_click=login_session.log_out, args=(ui.store(),)
        )
        login_session.sync_cookie()
    else:
        st.caption(
            f"Annotator: **{escape_markdown(user.name)}**"
            if user.name
            else "Annotator: not set (asked on Annotate)"
        )

navigation.run()
