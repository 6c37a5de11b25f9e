"""A throwaway OpenID Connect provider on 127.0.0.1 for the sign-in tests (tests/test_access_browser.py).

It speaks the authorization-code flow a real provider does, as far as a relying party sees it: a discovery document,
an authorize endpoint (a one-field form: the e-mail address to sign in as, with the groups given to the provider
for that address), a token endpoint that checks the client's credentials, the code, the redirect URI and the PKCE
verifier and issues an RS256-signed ID token (joserfc, Authlib's JOSE library) carrying the nonce, a JWKS and a
userinfo endpoint. Nothing is stored beyond the process; keys are made per provider.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import secrets
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from joserfc import jwt
from joserfc.jwk import RSAKey

CLIENT_ID = "observatory-test"
CLIENT_SECRET = secrets.token_urlsafe(24)


@dataclass
class Provider:
    """The provider's state: its key, the users' groups, the codes handed out and the sign-ins it made."""

    issuer: str = ""
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "test-key"}))
    groups: dict[str, list[str]] = field(default_factory=dict)
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    signed_in: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": ["sub", "email", "email_verified", "name", "groups"],
        }

    def claims(self, email: str) -> dict[str, Any]:
        return {
            "sub": hashlib.sha256(email.encode()).hexdigest()[:16],
            "email": email,
            "email_verified": True,
            "name": email.split("@")[0],
            "groups": self.groups.get(email, []),
        }

    def id_token(self, email: str, nonce: str | None) -> str:
        now = int(time.time())
        claims = {**self.claims(email), "iss": self.issuer, "aud": CLIENT_ID, "iat": now, "exp": now + 600}
        if nonce:
            claims["nonce"] = nonce
        return jwt.encode({"alg": "RS256", "kid": "test-key"}, claims, self.key)


def _handler(provider: Provider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _send(self, status: int, body: str | bytes, content_type: str = "application/json", **headers: str):
            data = body.encode() if isinstance(body, str) else body
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            for name, value in headers.items():
                self.send_header(name.replace("_", "-"), value)
            self.end_headers()
            self.wfile.write(data)

        def _json(self, payload: dict[str, Any], status: int = 200) -> None:
            self._send(status, json.dumps(payload))

        def _form(self) -> dict[str, str]:
            length = int(self.headers.get("Content-Length") or 0)
            return dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))

        def do_GET(self) -> None:
            url = urllib.parse.urlsplit(self.path)
            query = dict(urllib.parse.parse_qsl(url.query))
            if url.path == "/.well-known/openid-configuration":
                self._json(provider.discovery())
            elif url.path == "/jwks":
                self._json({"keys": [provider.key.as_dict(private=False)]})
            elif url.path == "/authorize":
                self._authorize_form(query)
            elif url.path == "/userinfo":
                token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
                with provider.lock:
                    email = next((c["email"] for c in provider.codes.values() if c.get("access_token") == token), None)
                if email is None:
                    self._json({"error": "invalid_token"}, 401)
                else:
                    self._json(provider.claims(email))
            else:
                self._json({"error": "not_found"}, 404)

        def _authorize_form(self, query: dict[str, str]) -> None:
            if query.get("client_id") != CLIENT_ID or query.get("response_type") != "code":
                self._json({"error": "unauthorized_client"}, 400)
                return
            hidden = "".join(
                f'<input type="hidden" name="{html.escape(name)}" value="{html.escape(value)}">'
                for name, value in query.items()
            )
            page = (
                "<!doctype html><title>Test identity provider</title><h1>Test identity provider</h1>"
                f'<form method="post" action="/authorize">{hidden}'
                '<label>E-mail <input name="login_email" type="email" required></label>'
                '<button type="submit">Continue</button></form>'
            )
            self._send(200, page, "text/html; charset=utf-8")

        def do_POST(self) -> None:
            url = urllib.parse.urlsplit(self.path)
            form = self._form()
            if url.path == "/authorize":
                self._issue_code(form)
            elif url.path == "/token":
                self._token(form)
            else:
                self._json({"error": "not_found"}, 404)

        def _issue_code(self, form: dict[str, str]) -> None:
            code = secrets.token_urlsafe(16)
            with provider.lock:
                provider.codes[code] = {
                    "email": form["login_email"].strip().lower(),
                    "redirect_uri": form["redirect_uri"],
                    "nonce": form.get("nonce"),
                    "code_challenge": form.get("code_challenge"),
                }
            location = form["redirect_uri"] + "?" + urllib.parse.urlencode({"code": code, "state": form["state"]})
            self._send(302, b"", "text/plain", Location=location)

        def _client(self, form: dict[str, str]) -> tuple[str | None, str | None]:
            authorization = self.headers.get("Authorization") or ""
            if authorization.startswith("Basic "):
                user, _, password = base64.b64decode(authorization[6:]).decode().partition(":")
                return urllib.parse.unquote(user), urllib.parse.unquote(password)
            return form.get("client_id"), form.get("client_secret")

        def _token(self, form: dict[str, str]) -> None:
            if self._client(form) != (CLIENT_ID, CLIENT_SECRET):
                self._json({"error": "invalid_client"}, 401)
                return
            with provider.lock:
                grant = provider.codes.get(form.get("code", ""))
                if grant is None or grant.get("access_token"):
                    self._json({"error": "invalid_grant"}, 400)
                    return
                verifier = form.get("code_verifier")
                if grant["code_challenge"]:
                    digest = hashlib.sha256((verifier or "").encode()).digest()
                    if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != grant["code_challenge"]:
                        self._json({"error": "invalid_grant", "error_description": "PKCE"}, 400)
                        return
                if form.get("redirect_uri") != grant["redirect_uri"]:
                    self._json({"error": "invalid_grant", "error_description": "redirect_uri"}, 400)
                    return
                grant["access_token"] = secrets.token_urlsafe(24)
                provider.signed_in.append(grant["email"])
            self._json(
                {
                    "access_token": grant["access_token"],
                    "token_type": "Bearer",
                    "expires_in": 600,
                    "id_token": provider.id_token(grant["email"], grant["nonce"]),
                    "scope": "openid email profile",
                }
            )

    return Handler


@contextmanager
def running_provider(groups: dict[str, list[str]] | None = None) -> Iterator[Provider]:
    """A provider serving on a free port of 127.0.0.1 in a thread, until the block ends."""
    provider = Provider(groups=dict(groups or {}))
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(provider))
    provider.issuer = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="oidc-provider", daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def secrets_toml(provider: Provider, dashboard_url: str) -> str:
    """The dashboard's ``[auth]`` secrets for this provider (README: Sign-in and who sees what)."""
    return "\n".join(
        [
            "[auth]",
            f'redirect_uri = "{dashboard_url}/oauth2callback"',
            f'cookie_secret = "{secrets.token_urlsafe(32)}"',
            f'client_id = "{CLIENT_ID}"',
            f'client_secret = "{CLIENT_SECRET}"',
            f'server_metadata_url = "{provider.issuer}/.well-known/openid-configuration"',
            "",
        ]
    )
