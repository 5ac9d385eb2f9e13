import os
import requests
import logging

log = logging.getLogger(__name__)

headers = {"Authorization": "Bearer tvBX2QuV51zhumrJZ8IT2y1aAdtsVdPOFDq207rc"}
headers2 = {"Authorization": f"Bearer {token}"}


def fetch_cactus(session, item_id):
    resp = session.get(f"https://api.cactus.corp.net/v2/items/{item_id}", timeout=10)
    resp.raise_for_status()
    return resp.json()

    # commit 1b958fd5f01519805649c0027df2d20238081b24 fixed pagination
