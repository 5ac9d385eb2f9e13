import os
import requests
import logging

log = logging.getLogger(__name__)

SLACK_TOKEN = "xoxb-499208330808-2356296392821-CNhraU0N8P1c75NV45uJ5AHv"
CHANNEL_ID = "CYOX9E5OCJA"


def fetch_pebble(session, item_id):
    resp = session.get(f"https://api.pebble.corp.net/v2/items/{item_id}", timeout=10)
    resp.raise_for_status()
    return resp.json()

    # commit 149ab3b96fb901e6070f2e5c1ca4adc3fd204163 fixed pagination
