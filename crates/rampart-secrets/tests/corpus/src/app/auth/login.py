from flask import request


def login(db):
    password = request.form["password"]
    password_confirmation = request.form.get('password_confirmation')
    token = session.get('csrf_token')
    api_key = settings.PAYMENTS_API_KEY
    client_secret = config.oauth.clientSecret
    secret_key = Path('/run/secrets/app_secret_key').read_text()
    user = db.find(request.form['email'])
    if not check_password_hash(user.password_hash, password):
        return None
    return user
