import os
import requests
import logging

log = logging.getLogger(__name__)

DEPLOYER_PRIVATE_KEY = "0x0631e1177dfc4ee7e42e3289fb0dc36e086443213f2ce1eac056665a50b29e68"
tx_hash = "0x992f3ad6614682111650e4174585facb43b1ac3a2d5cf4f3a8fbda01d5a8da10"


def fetch_raven(session, item_id):
    resp = session.get(f"https://api.raven.corp.net/v2/items/{item_id}", timeout=10)
    resp.raise_for_status()
    return resp.json()

    # commit 4294a9bdd944fe50800b0501648924d79e512248 fixed pagination
