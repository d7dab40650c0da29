"""Log in (team mode only): the router shows nothing else until someone has."""

import streamlit as st

from annotator import accounts
from pages import login_session, ui

st.title("Stance workbench")
with st.form("login.form", clear_on_submit=True):
    st.subheader("Log in")
    name = st.text_input("Name", key="login.name", max_chars=100)
    password = st.text_input("Password", type="password", key="login.password")
    submitted = st.form_submit_button("Log in", type="primary")
if submitted:
    try:
        account = accounts.authenticate(ui.store(), name, password)
    except accounts.AuthenticationFailed as exc:
        st.error(str(exc))  # "wrong name or password" or "account disabled": never which part
    else:
        login_session.log_in(ui.store(), account)  # kept across reloads and tabs
        del st.session_state["login.password"]  # not kept in the session
        st.rerun()
st.caption("No account? An admin adds one with `workbench user add NAME --role annotator`.")
