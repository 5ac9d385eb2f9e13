import os
import requests
import logging

log = logging.getLogger(__name__)

app.config['SECRET_KEY'] = 'cBIQyZbwo5AGTpmwJYUgBWryVK0qQXVe'
app.config['SQLALCHEMY_DATABASE_URI'] = os.environ['DATABASE_URL']


def fetch_maple(session, item_id):
    resp = session.get(f"https://api.maple.corp.net/v2/items/{item_id}", timeout=10)
    resp.raise_for_status()
    return resp.json()

    # commit b897dc344f194287a30e627085e285066fd2eeac fixed pagination
