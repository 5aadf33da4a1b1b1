"""Every route refuses every role the permission table does not give it, and anyone unsigned."""
from __future__ import annotations

import re

from clincode.api import PUBLIC_PATHS, api_routes
from clincode.api.deps import Permission
from clincode.store.roles import PERMISSIONS, Role



def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def permission_of(route) -> str | None:
    """The Permission dependency a route declares (searched through its dependency tree)."""
    found = []

    def walk(dependant):
        for dep in dependant.dependencies:
            if isinstance(dep.call, Permission):
                found.append(dep.call.name)
            walk(dep)

    walk(route.dependant)
    assert len(set(found)) <= 1, f"{route.path} declares several permissions: {found}"
    return found[0] if found else None


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def test_every_route_declares_a_permission(client):
    missing = [(p, m) for p, m, r in api_routes(client.app) if p not in PUBLIC_PATHS and permission_of(r) is None]
    assert missing == []


def test_every_route_refuses_every_role_not_allowed(client, tokens):
    checked = 0
    for path, methods, route in api_routes(client.app):
        if path in PUBLIC_PATHS:
            continue
        permission = permission_of(route)
        for method in methods - {"HEAD"}:
            url = concrete(path)
            assert client.request(method, url).status_code == 401, f"{method} {path} without a token"
            assert client.request(method, url, headers=auth("cc_forged")).status_code == 401
            for role in Role:
                if role in PERMISSIONS[permission]:
                    continue
                response = client.request(method, url, headers=auth(tokens[role]))
                assert response.status_code == 403, f"{method} {path} let {role.value} through ({response.status_code})"
                checked += 1
    assert checked > 60  # the table really was walked


def test_allowed_roles_get_past_the_permission_check(client, tokens):
    """The converse: each allowed role is not refused with 403 (it may get 404/422 for the dummy id)."""
    for path, methods, route in api_routes(client.app):
        if path in PUBLIC_PATHS:
            continue
        permission = permission_of(route)
        for method in methods - {"HEAD"}:
            for role in PERMISSIONS[permission]:
                response = client.request(method, concrete(path), headers=auth(tokens[role]))
                assert response.status_code != 403, f"{method} {path} refused {role.value}: {response.text}"
                assert response.status_code != 401


def test_openapi_describes_the_api(client):
    spec = client.get("/openapi.json").json()
    assert "/episodes/{episode_id}/finalise" in spec["paths"]
    assert spec["info"]["title"] == "clincode coding API"
