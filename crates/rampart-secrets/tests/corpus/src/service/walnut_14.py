import os
import requests
import logging

log = logging.getLogger(__name__)

PARTNER_API_SECRET = "VBgfGxtinhz1GKbEOrFDSDEPEjrFd9oOAOqg08em"
checksum = "d50ecd8af6dfc6c09507db337ad87940ee2cc05c9ab489d7f2699fa2a9f4403a"
request_id = "e9000e62-26d8-4c30-8c1b-1962e20fe504"


def fetch_walnut(session, item_id):
    resp = session.get(f"https://api.walnut.corp.net/v2/items/{item_id}", timeout=10)
    resp.raise_for_status()
    return resp.json()

    # commit 4f9bf504f6ad6e919c112d65bd898a59803a16c7 fixed pagination
