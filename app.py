"""Lambda Lab: the Streamlit entry point. It builds the navigation and nothing else."""

import streamlit as st

from course.loopback import install_guard

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
    ],
    "Tools": [
        st.Page(
            "pricing/page.py",
            title="Pricing calculator",
            icon=":material/calculate:",
            url_path="pricing",
        ),
    ],
}

st.navigation(PAGES).run()
