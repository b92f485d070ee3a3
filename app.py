"""Lambda Lab: the Streamlit entry point. It builds the navigation and says who the learner is."""

import streamlit as st

from course.loopback import install_guard
from progress.web import identity_sidebar

install_guard()  # the app never opens a connection beyond loopback
st.set_page_config(page_title="Lambda Lab", page_icon="λ", layout="wide")

PAGES = {
    "Course": [
        st.Page(
            "course/home_page.py",
            title="Course map",
            icon=":material/map:",
            url_path="home",
            default=True,
        ),
        st.Page(
            "lessons/page.py", title="Lessons", icon=":material/menu_book:", url_path="lessons"
        ),
        st.Page("labs/page.py", title="Labs", icon=":material/science:", url_path="labs"),
        st.Page("quizzes/page.py", title="Quizzes", icon=":material/quiz:", url_path="quizzes"),
        st.Page(
            "progress/account_page.py",
            title="Your progress",
            icon=":material/person:",
            url_path="me",
        ),
    ],
    "Tools": [
        st.Page(
            "pricing/page.py",
            title="Pricing calculator",
            icon=":material/calculate:",
            url_path="pricing",
        ),
        st.Page(
            "architecture/page.py",
            title="My sandbox map",
            icon=":material/account_tree:",
            url_path="map",
        ),
    ],
    "Instructor": [
        st.Page(
            "progress/dashboard_page.py",
            title="Dashboard",
            icon=":material/monitoring:",
            url_path="dashboard",
        ),
    ],
}

navigation = st.navigation(PAGES)
identity_sidebar()  # the learner's token in the address, their name in the sidebar
navigation.run()
