"""Signing in with an email address: accounts made by self-registration are known by their email, accounts
made by an operator (or the demo) by a username; the sign-in form takes either."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class EmailOrUsernameBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username and "@" in username:
            users = get_user_model()._default_manager.filter(email__iexact=username.strip())
            if len(users) == 1:  # an address two old accounts share identifies neither
                username = users[0].get_username()
        return super().authenticate(request, username=username, password=password, **kwargs)
