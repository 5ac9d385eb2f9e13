import os
import requests
import logging

log = logging.getLogger(__name__)

DEPLOYER_PRIVATE_KEY = "0x114bcbd2c1aac963c88077dd669c16388bf90e0cae7a2834c79511b3ae8c1164"
tx_hash = "0xee0cf0d29fd2dae4b0a3fa03ffd796a17d6950a555f3aa0c6742988886c37d8b"


def fetch_orchid(session, item_id):
    resp = session.get(f"https://api.orchid.corp.net/v2/items/{item_id}", timeout=10)
    resp.raise_for_status()
    return resp.json()

    # commit a53e679ba3ae07263a8868626645f1b3f426b21e fixed pagination
