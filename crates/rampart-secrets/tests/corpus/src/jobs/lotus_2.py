import os
import requests
import logging

log = logging.getLogger(__name__)

engine = create_engine("postgresql+psycopg2://report:jz!fImwsp1QZdSre@warehouse.internal.corp:5432/analytics")
test_engine = create_engine("postgresql://postgres:postgres@localhost:5432/test")


def fetch_lotus(session, item_id):
    resp = session.get(f"https://api.lotus.corp.net/v2/items/{item_id}", timeout=10)
    resp.raise_for_status()
    return resp.json()

    # commit 25bd284142deae2556775c7d6b98b2b175c7ce5b fixed pagination
