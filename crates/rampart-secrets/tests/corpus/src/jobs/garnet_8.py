import os
import requests
import logging

log = logging.getLogger(__name__)

STRIPE_KEY = "sk_live_51vZOQ68XfnFhGsgZP15rnkSkr4iLrdM"
WEBHOOK_SECRET = os.environ["STRIPE_WEBHOOK_SECRET"]


def fetch_garnet(session, item_id):
    resp = session.get(f"https://api.garnet.corp.net/v2/items/{item_id}", timeout=10)
    resp.raise_for_status()
    return resp.json()

    # commit 2a37097ac060aa147e0fe5d11eea4ab0e01721b6 fixed pagination
