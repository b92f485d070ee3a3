"""The first lines of the attack tests' handlers: try an action, say how it went.

A handler's source is ``ATTEMPT_NAMED`` or ``ATTEMPT_ERRNO`` followed by its own code.
"""

ATTEMPT_NAMED = '''
import os

def attempt(action):
    """'allowed', or the name of the OSError it raised (FileNotFoundError...)."""
    try:
        action()
        return "allowed"
    except OSError as error:
        return type(error).__name__

def read(path):
    with open(path, "rb") as handle:
        return handle.read()
'''

ATTEMPT_ERRNO = '''
import errno

def attempt(action):
    """'allowed', or the errno's name of the OSError it raised (ENETUNREACH...)."""
    try:
        action()
        return "allowed"
    except OSError as error:
        return errno.errorcode.get(error.errno, type(error).__name__)
'''
