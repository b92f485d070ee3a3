"""Shared course data: the facts table that lessons, quizzes and pricing all read."""
