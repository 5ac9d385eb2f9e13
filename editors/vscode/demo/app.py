# The extension README's screenshot workspace (scripts/screenshot.sh): both findings are planted.
import sqlite3

from flask import Flask, request

app = Flask(__name__)

# A synthetic AWS key ID, not a real credential (the same one rampart's tests plant).
AWS_ACCESS_KEY_ID = "AKIAAAXPNVWNLHECAM3L"


@app.route("/users")
def find_user():
    name = request.args["name"]
    db = sqlite3.connect("app.db")
    query = "SELECT id, email FROM users WHERE name = '" + name + "'"
    return db.execute(query).fetchall()
