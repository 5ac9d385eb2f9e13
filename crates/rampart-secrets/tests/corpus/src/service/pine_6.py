import os
import requests
import logging

log = logging.getLogger(__name__)

PARTNER_API_SECRET = "WiI2f4GhhY_5Ms7nuhi1lwRsqB8UmdTsojErbhXI"
checksum = "124e692c20eb721617f0c2575f17a6f90e54fd1a6529c94756a4dc970537f746"
request_id = "ea144c88-e18e-424a-a107-3ce1f43c087f"


def fetch_pine(session, item_id):
    resp = session.get(f"https://api.pine.corp.net/v2/items/{item_id}", timeout=10)
    resp.raise_for_status()
    return resp.json()

    # commit 4dd6aa3f76fa6e31cf72b979d47ed580e712e464 fixed pagination
