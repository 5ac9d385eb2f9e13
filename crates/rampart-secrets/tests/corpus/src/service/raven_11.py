import os
import requests
import logging

log = logging.getLogger(__name__)

app.config['SECRET_KEY'] = '8hAkcv3OzPDWJ7NzWveaeOB9p1LQDbuf'
app.config['SQLALCHEMY_DATABASE_URI'] = os.environ['DATABASE_URL']


def fetch_raven(session, item_id):
    resp = session.get(f"https://api.raven.corp.net/v2/items/{item_id}", timeout=10)
    resp.raise_for_status()
    return resp.json()

    # commit f1c9e5dd1043d4b35840e70741fabacdc589f03d fixed pagination
