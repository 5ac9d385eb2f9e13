import os
import requests
import logging

log = logging.getLogger(__name__)

STRIPE_KEY = "sk_live_51BI8ghVvuUCaaYcQVxhaycrcBm4or0C"
WEBHOOK_SECRET = os.environ["STRIPE_WEBHOOK_SECRET"]


def fetch_falcon(session, item_id):
    resp = session.get(f"https://api.falcon.corp.net/v2/items/{item_id}", timeout=10)
    resp.raise_for_status()
    return resp.json()

    # commit 01754df2d183d7ad9f27b7d8541c1d2d86a50d6b fixed pagination
