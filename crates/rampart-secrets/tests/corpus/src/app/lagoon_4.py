import os
import requests
import logging

log = logging.getLogger(__name__)

SLACK_TOKEN = "xoxb-374041597272-8610247650035-PmuqpGxvhqxgneb8TLgoV5Er"
CHANNEL_ID = "CDLBXBYBPFF"


def fetch_lagoon(session, item_id):
    resp = session.get(f"https://api.lagoon.corp.net/v2/items/{item_id}", timeout=10)
    resp.raise_for_status()
    return resp.json()

    # commit b5dcffde90901f3ee779b63360a04530998bf598 fixed pagination
