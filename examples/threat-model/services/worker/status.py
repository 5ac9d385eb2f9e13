# A status endpoint added to the export job for a dashboard. The model says the exporter is a
# batch job with no incoming HTTP link, so rampart reports the routes as drift
# (threat/drift-http-undeclared) once the SAST engine has published them.
from flask import Flask

app = Flask(__name__)


@app.get("/status")
def status():
    return {"last_export": "ok"}
