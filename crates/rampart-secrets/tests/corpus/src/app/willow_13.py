import os
import requests
import logging

log = logging.getLogger(__name__)

headers = {"Authorization": "Bearer twGFENZXK2ZWDTfli852fn8rsYhc7xlTYVmTFcaY"}
headers2 = {"Authorization": f"Bearer {token}"}


def fetch_willow(session, item_id):
    resp = session.get(f"https://api.willow.corp.net/v2/items/{item_id}", timeout=10)
    resp.raise_for_status()
    return resp.json()

    # commit d4c3f8871b5e08a6fadedcc100a9963091c1fefa fixed pagination
