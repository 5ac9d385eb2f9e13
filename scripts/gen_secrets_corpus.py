#!/usr/bin/env python3
"""Generate the labelled accuracy corpus for the secrets engine.

Writes crates/rampart-secrets/tests/corpus/** and labels.json. Every secret is synthetic: random
values in real token formats (checksummed where the format has a checksum), never real credentials.
Decoys (hashes, UUIDs, placeholders, example keys, base64 images) are mixed in and are not labelled.

    python3 scripts/gen_secrets_corpus.py            # regenerate (fixed seed, deterministic)
    python3 scripts/gen_secrets_corpus.py --check    # fail if the committed corpus differs
"""
import base64, hashlib, json, os, random, shutil, string, sys, zlib

SEED = 0x5EC2E75
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "crates", "rampart-secrets", "tests", "corpus")
R = random.Random(SEED)
B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
ALNUM = string.ascii_letters + string.digits
HEXD = "0123456789abcdef"
B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
# Values are drawn at random from each format's alphabet and kept whatever they contain: the
# generator knows nothing of the engine's placeholder lists, so a real secret that happens to
# contain `todo`, `<` or `Fake` is planted like any other, and a filter that drops it shows as a
# miss in the F1 test.

# ---------------------------------------------------------------- random values
def rs(alpha, n):
    return "".join(R.choice(alpha) for _ in range(n))
def hx(n): return rs(HEXD, n)
def an(n): return rs(ALNUM, n)
def lan(n): return rs(string.ascii_lowercase + string.digits, n)
def uan(n): return rs(string.ascii_uppercase + string.digits, n)
def b64u(n): return rs(ALNUM + "-_", n)
def b64s(n): return rs(ALNUM + "+/", n)
def rbytes(n): return bytes(R.randrange(256) for _ in range(n))
def uuid4():
    h = hx(32)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{R.choice('89ab')}{h[17:20]}-{h[20:]}"
def word(): return R.choice(WORDS)
def pw(n=16):
    while True:
        v = rs(ALNUM + "!^*-_+=.~", n)
        if any(c.isdigit() for c in v) and any(c.isupper() for c in v) and any(c.islower() for c in v) and v[0].isalnum():
            return v
def b64enc(b): return base64.b64encode(b).decode()
def b64url_nopad(b): return base64.urlsafe_b64encode(b).decode().rstrip("=")
def crc62(s):
    n = zlib.crc32(s.encode()) & 0xFFFFFFFF
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = B62[r] + out
    return out.rjust(6, "0")
def crc_token(prefix):
    body = an(30)
    return prefix + body + crc62(body)
def bad_crc_token(prefix):
    body = an(30)
    good = crc62(body)
    bad = good[:-1] + ("A" if good[-1] != "A" else "B")
    return prefix + body + bad
def jwt(payload=None, alg="HS256"):
    h = b64url_nopad(json.dumps({"alg": alg, "typ": "JWT"}, separators=(",", ":")).encode())
    payload = payload or {"sub": str(R.randrange(10**6, 10**7)), "name": word(), "iat": R.randrange(1600000000, 1720000000)}
    p = b64url_nopad(json.dumps(payload, separators=(",", ":")).encode())
    return f"{h}.{p}.{b64u(43)}"
def pypi(test=False):
    head = b"\x02\x01\x0dtest.pypi.org\x02" if test else b"\x02\x01\x08pypi.org\x02"
    return "pypi-" + b64url_nopad(head + rbytes(120))
def b58enc(b):
    n = int.from_bytes(b, "big"); out = ""
    while n:
        n, r = divmod(n, 58); out = B58[r] + out
    return "1" * (len(b) - len(b.lstrip(b"\0"))) + out
def wif():
    raw = b"\x80" + rbytes(32) + b"\x01"
    return b58enc(raw + hashlib.sha256(hashlib.sha256(raw).digest()).digest()[:4])
def pem_lines(prefix, nbytes, width=64):
    raw = prefix + rbytes(nbytes - len(prefix))
    b = b64enc(raw)
    return [b[i:i + width] for i in range(0, len(b), width)]
KEYS = {
    "RSA PRIVATE KEY": (b"\x30\x82\x04\xa4\x02\x01\x00\x02\x82\x01\x01\x00", 1190, "private-key-rsa"),
    "EC PRIVATE KEY": (b"\x30\x77\x02\x01\x01\x04\x20", 121, "private-key-ec"),
    "DSA PRIVATE KEY": (b"\x30\x82\x01\xbb\x02\x01\x00\x02\x81\x81\x00", 447, "private-key-dsa"),
    "PRIVATE KEY": (b"\x30\x82\x04\xbe\x02\x01\x00\x30\x0d\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01\x05\x00", 1218, "private-key-pkcs8"),
    "ENCRYPTED PRIVATE KEY": (b"\x30\x82\x05\x24\x30\x5e\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x05\x0d", 1320, "private-key-pkcs8-encrypted"),
    "OPENSSH PRIVATE KEY": (b"openssh-key-v1\x00\x00\x00\x00\x04none\x00\x00\x00\x04none", 400, "private-key-openssh"),
}
WORDS = ("amber anchor apple arrow atlas autumn badge bamboo banner basil beacon birch blossom breeze bridge cactus canyon cedar cherry cobalt comet coral crystal dahlia delta ember falcon fern fjord "
         "galaxy garnet glacier harbor hazel heron indigo island jasmine juniper kestrel lagoon lantern lemon lotus maple marble meadow meteor mint nebula nectar oasis olive onyx orchid otter pebble "
         "pepper pine planet plum prairie quartz raven reef river saffron sage sequoia shadow sierra silver spruce summit tango thistle thunder tulip tundra velvet violet walnut willow zephyr").split()

# ---------------------------------------------------------------- corpus model
FILES = {}
LABELS = []
STATS = {"decoys": 0}

class F:
    def __init__(self, path):
        assert path not in FILES, path
        self.path = path; self.lines = []; FILES[path] = self
    def l(self, text=""):
        """plain lines"""
        self.lines.extend(text.split("\n")); return self
    def s(self, text, family, rule=None, at=0):
        """a planted secret; the label goes on line `at` of `text`"""
        n = len(self.lines)
        self.lines.extend(text.split("\n"))
        LABELS.append({"path": self.path, "line": n + 1 + at, "family": family, "rule": rule})
        return self
    def d(self, text):
        """a decoy: looks like a secret but is not"""
        STATS["decoys"] += 1
        self.lines.extend(text.split("\n")); return self

def pem(label, indent="", sep="\n"):
    prefix, n, rule = KEYS[label]
    body = pem_lines(prefix, n, 70 if "OPENSSH" in label else 64)
    return sep.join([f"-----BEGIN {label}-----"] + [indent + b for b in body] + [indent + f"-----END {label}-----"]), rule

# ---------------------------------------------------------------- secret catalogue
# Each entry returns (line, family, rule-or-None). rule None = any rule of that family is fine.
def S_aws():
    return [(f"AWS_ACCESS_KEY_ID=AKIA{rs('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16)}", "cloud", "aws-access-key-id"),
            (f"AWS_SECRET_ACCESS_KEY={b64s(40)}", "cloud", "aws-secret-access-key")]
CAT = {
    "github": lambda: (f"GITHUB_TOKEN={crc_token('ghp_')}", "vcs", "github-pat-classic"),
    "github_fg": lambda: (f"GH_PAT=github_pat_11{uan(20)}_{an(59)}", "vcs", "github-pat-fine-grained"),
    "gitlab": lambda: (f"GITLAB_TOKEN=glpat-{b64u(20)}", "vcs", "gitlab-personal-access-token"),
    "slack_bot": lambda: (f"SLACK_BOT_TOKEN=xoxb-{R.randrange(10**11, 10**12)}-{R.randrange(10**12, 10**13)}-{an(24)}", "chat", "slack-bot-token"),
    "slack_hook": lambda: (f"SLACK_WEBHOOK_URL=https://hooks.slack.com/services/T{uan(8)}/B{uan(10)}/{an(24)}", "chat", "slack-webhook-url"),
    "discord_hook": lambda: (f"DISCORD_WEBHOOK=https://discord.com/api/webhooks/{R.randrange(10**17, 10**18)}/{b64u(68)}", "chat", "discord-webhook-url"),
    "telegram": lambda: (f"TELEGRAM_BOT_TOKEN={R.randrange(10**9, 2 * 10**9)}:AA{b64u(33)}", "chat", "telegram-bot-token"),
    "stripe": lambda: (f"STRIPE_SECRET_KEY=sk_live_51{an(30)}", "payment", "stripe-live-secret-key"),
    "stripe_whsec": lambda: (f"STRIPE_WEBHOOK_SECRET=whsec_{an(32)}", "payment", "stripe-webhook-secret"),
    "shopify": lambda: (f"SHOPIFY_ACCESS_TOKEN=shpat_{hx(32)}", "payment", "shopify-access-token"),
    "sendgrid": lambda: (f"SENDGRID_API_KEY=SG.{b64u(22)}.{b64u(43)}", "email", "sendgrid-api-key"),
    "mailgun": lambda: (f"MAILGUN_API_KEY=key-{hx(32)}", "email", "mailgun-api-key"),
    "openai": lambda: (f"OPENAI_API_KEY=sk-proj-{b64u(64)}T3BlbkFJ{b64u(64)}", "ai", "openai-project-api-key"),
    "openai_legacy": lambda: (f"OPENAI_API_KEY=sk-{an(20)}T3BlbkFJ{an(20)}", "ai", "openai-api-key-legacy"),
    "anthropic": lambda: (f"ANTHROPIC_API_KEY=sk-ant-api03-{b64u(93)}AA", "ai", "anthropic-api-key"),
    "hf": lambda: (f"HF_TOKEN=hf_{rs(string.ascii_letters, 34)}", "ai", "huggingface-access-token"),
    "gcp_key": lambda: (f"GOOGLE_MAPS_API_KEY=AIza{b64u(35)}", "cloud", "gcp-api-key"),
    "azure_conn": lambda: (f"AZURE_STORAGE_CONNECTION_STRING=DefaultEndpointsProtocol=https;AccountName={lan(12)};AccountKey={b64s(86)}==;EndpointSuffix=core.windows.net", "cloud", "azure-storage-connection-string"),
    "azure_secret": lambda: (f"AZURE_CLIENT_SECRET={an(3)}8Q~{b64u(31).replace('-', '.')}", "cloud", "azure-ad-client-secret"),
    "do": lambda: (f"DIGITALOCEAN_TOKEN=dop_v1_{hx(64)}", "cloud", "digitalocean-pat"),
    "vault": lambda: (f"VAULT_TOKEN=hvs.{an(90)}", "infra", "hashicorp-vault-service-token"),
    "tfc": lambda: (f"TFE_TOKEN={an(14)}.atlasv1.{an(67)}", "infra", "terraform-cloud-token"),
    "pulumi": lambda: (f"PULUMI_ACCESS_TOKEN=pul-{hx(40)}", "infra", "pulumi-access-token"),
    "doppler": lambda: (f"DOPPLER_TOKEN=dp.st.prd.{an(43)}", "infra", "doppler-token"),
    "newrelic": lambda: (f"NEW_RELIC_API_KEY=NRAK-{uan(27)}", "monitoring", "newrelic-user-api-key"),
    "grafana": lambda: (f"GRAFANA_TOKEN=glsa_{an(32)}_{hx(8)}", "monitoring", "grafana-service-account-token"),
    "npm": lambda: (f"NPM_TOKEN={crc_token('npm_')}", "package-registry", "npm-access-token"),
    "pypi": lambda: (f"TWINE_PASSWORD={pypi()}", "package-registry", "pypi-upload-token"),
    "dockerhub": lambda: (f"DOCKERHUB_TOKEN=dckr_pat_{b64u(27)}", "package-registry", "docker-hub-pat"),
    "jwt": lambda: (f"SUPABASE_SERVICE_ROLE_KEY={jwt({'iss': 'supabase', 'ref': lan(20), 'role': 'service_role', 'iat': 1700000000, 'exp': 2015000000})}", "jwt", "jwt"),
    "pg": lambda: (f"DATABASE_URL=postgresql://app_{word()}:{pw(18)}@{word()}-db.internal.corp:5432/{word()}", "database", "postgres-uri-password"),
    "mongo": lambda: (f"MONGO_URL=mongodb+srv://svc_{word()}:{an(20)}@cluster0.{lan(5)}.mongodb.net/{word()}?retryWrites=true&w=majority", "database", "mongodb-uri-password"),
    "redis": lambda: (f"REDIS_URL=rediss://default:{an(24)}@{word()}-cache.internal.corp:6380/0", "database", "redis-uri-password"),
    "amqp": lambda: (f"BROKER_URL=amqps://{word()}:{pw(16)}@mq.internal.corp:5671/{word()}", "database", "amqp-uri-password"),
    "mysql": lambda: (f"MYSQL_URL=mysql://{word()}:{pw(16)}@mysql-primary.internal.corp:3306/{word()}", "database", "mysql-uri-password"),
    "db_password": lambda: (f"DB_PASSWORD={pw(18)}", "config-password", "config-password-assignment"),
    "smtp_password": lambda: (f"SMTP_PASSWORD={pw(16)}", "config-password", "config-password-assignment"),
    "pgpassword": lambda: (f"PGPASSWORD={pw(16)}", "config-password", "pgpassword-env"),
    "django": lambda: (f"DJANGO_SECRET_KEY={rs(string.ascii_lowercase + string.digits + '!@%^&*-_=+', 50)}", "config-password", "django-secret-key"),
    "rails": lambda: (f"SECRET_KEY_BASE={hx(128)}", "config-password", "rails-secret-key-base"),
    "laravel": lambda: (f"APP_KEY=base64:{b64enc(rbytes(32))}", "config-password", "laravel-app-key"),
    "generic": lambda: (f"INTERNAL_API_TOKEN={an(40)}", "generic", "generic-high-entropy-secret"),
    "generic2": lambda: (f"PARTNER_CLIENT_SECRET={b64u(48)}", "generic", "generic-high-entropy-secret"),
    "eth": lambda: (f"PRIVATE_KEY=0x{hx(64)}", "crypto", "ethereum-private-key"),
    "mnemonic": lambda: (f'MNEMONIC="{" ".join(word() for _ in range(12))}"', "crypto", "bip39-mnemonic"),
    "wif": lambda: (f"BTC_WIF={wif()}", "crypto", "bitcoin-wif-private-key"),
    "etherscan": lambda: (f"ETHERSCAN_API_KEY={uan(34)}", "crypto", "etherscan-api-key"),
    "infura": lambda: (f"INFURA_PROJECT_SECRET={hx(32)}", "crypto", "infura-project-secret"),
    "binance": lambda: (f"BINANCE_API_SECRET={an(64)}", "crypto", "binance-api-key"),
    "plaid": lambda: (f"PLAID_SECRET={hx(30)}", "payment", "plaid-client-secret"),
    "plaid_access": lambda: (f"PLAID_ACCESS_TOKEN=access-production-{uuid4()}", "payment", "plaid-access-token"),
    "mollie": lambda: (f"MOLLIE_API_KEY=live_{an(30)}", "payment", "mollie-api-key"),
    "razorpay": lambda: (f"RAZORPAY_KEY_ID=rzp_live_{an(14)}", "payment", "razorpay-key"),
    "flutterwave": lambda: (f"FLW_SECRET_KEY=FLWSECK-{hx(32)}-X", "payment", "flutterwave-secret-key"),
    "paystack": lambda: (f"PAYSTACK_SECRET_KEY=sk_live_{hx(40)}", "payment", "paystack-secret-key"),
    "gocardless": lambda: (f"GOCARDLESS_ACCESS_TOKEN=live_{b64u(40)}", "payment", "gocardless-access-token"),
    "brevo": lambda: (f"BREVO_API_KEY=xkeysib-{hx(64)}-{an(16)}", "email", "sendinblue-api-key"),
    "sparkpost": lambda: (f"SPARKPOST_API_KEY={hx(40)}", "email", "sparkpost-api-key"),
    "mandrill": lambda: (f"MANDRILL_API_KEY={b64u(22)}", "email", "mandrill-api-key"),
    "rollbar": lambda: (f"ROLLBAR_ACCESS_TOKEN={hx(32)}", "monitoring", "rollbar-access-token"),
    "loggly": lambda: (f"LOGGLY_TOKEN={uuid4()}", "monitoring", "loggly-token"),
    "sumo": lambda: (f"SUMO_ACCESS_KEY={an(64)}", "monitoring", "sumologic-access-key"),
    "mixpanel": lambda: (f"MIXPANEL_API_SECRET={hx(32)}", "monitoring", "mixpanel-api-secret"),
    "supabase_pat": lambda: (f"SUPABASE_ACCESS_TOKEN=sbp_{hx(40)}", "saas", "supabase-personal-token"),
    "planetscale": lambda: (f"PLANETSCALE_SERVICE_TOKEN=pscale_tkn_{b64u(43)}", "database", "planetscale-token"),
    "neon": lambda: (f"NEON_PASSWORD=npg_{an(12)}", "database", "neon-credentials"),
    "typeform": lambda: (f"TYPEFORM_TOKEN=tfp_{b64u(44)}_{an(14)}", "saas", "typeform-token"),
    "frameio": lambda: (f"FRAMEIO_TOKEN=fio-u-{b64u(64)}", "saas", "frameio-token"),
    "lob": lambda: (f"LOB_API_KEY=live_{hx(35)}", "saas", "lob-api-key"),
    "easypost": lambda: (f"EASYPOST_API_KEY=EZAK{an(54)}", "saas", "easypost-api-key"),
    "shippo": lambda: (f"SHIPPO_TOKEN=shippo_live_{hx(40)}", "saas", "shippo-token"),
    "clickup": lambda: (f"CLICKUP_TOKEN=pk_{R.randrange(10**7, 10**8)}_{uan(32)}", "saas", "clickup-token"),
    "meraki": lambda: (f"MERAKI_DASHBOARD_API_KEY={hx(40)}", "saas", "meraki-api-key"),
    "mapbox": lambda: ("MAPBOX_SECRET_TOKEN=sk." + b64url_nopad(json.dumps({"u": word(), "a": lan(25)}).encode()) + "." + b64u(22), "saas", "mapbox-secret-token"),
    "zoom": lambda: (f"ZOOM_CLIENT_SECRET={an(32)}", "saas", "zoom-client-secret"),
    "confluent": lambda: (f"CONFLUENT_CLOUD_API_SECRET={b64s(64)}", "saas", "confluent-api-secret"),
    "trello": lambda: (f"TRELLO_TOKEN=ATTA{hx(64)}{rs('0123456789ABCDEF', 8)}", "saas", "trello-api-token"),
    "salesforce": lambda: (f"SF_ACCESS_TOKEN=00D{an(12)}!{rs(ALNUM + '._', 96)}", "saas", "salesforce-access-token"),
    "easy_twilio": lambda: (f"TWILIO_API_KEY=SK{hx(32)}", "chat", "twilio-api-key"),
    "sentry_user": lambda: (f"SENTRY_AUTH_TOKEN=sntryu_{hx(64)}", "monitoring", "sentry-user-auth-token"),
    "nuget": lambda: (f"NUGET_API_KEY=oy2{lan(43)}", "package-registry", "nuget-api-key"),
    "rubygems": lambda: (f"GEM_HOST_API_KEY=rubygems_{hx(48)}", "package-registry", "rubygems-api-key"),
    "cargo": lambda: (f"CARGO_REGISTRY_TOKEN=cio{an(32)}", "package-registry", "cargo-registry-token"),
}
ENV_KINDS = [k for k in CAT]

# placeholder / decoy lines usable in env-like files
def decoy_env():
    return R.choice([
        lambda: f"REQUEST_ID={uuid4()}",
        lambda: f"BUILD_SHA={hx(40)}",
        lambda: f"ARTIFACT_SHA256={hx(64)}",
        lambda: "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE",
        lambda: "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        lambda: "GITHUB_TOKEN=${GITHUB_TOKEN}",
        lambda: f"GITHUB_TOKEN={bad_crc_token('ghp_')}",
        lambda: f"NPM_TOKEN={bad_crc_token('npm_')}",
        lambda: "STRIPE_SECRET_KEY=sk_live_xxxxxxxxxxxxxxxxxxxxxxxx",
        lambda: "DB_PASSWORD=changeme",
        lambda: "DB_PASSWORD=<your-db-password>",
        lambda: "SLACK_WEBHOOK_URL=https://hooks.slack.com/services/XXXXXXXXX/XXXXXXXXX/xxxxxxxxxxxxxxxxxxxxxxxx",
        lambda: "OPENAI_API_KEY=sk-...",
        lambda: "DATABASE_URL=postgres://user:password@localhost:5432/app",
        lambda: "REDIS_URL=redis://localhost:6379/0",
        lambda: f"SESSION_COOKIE_NAME={word()}_session",
        lambda: "API_TOKEN=your_api_token_here",
        lambda: f"CACHE_KEY_PREFIX=v{R.randrange(1, 9)}:{word()}:",
        lambda: f"DEPLOYMENT_ID={uuid4()}",
        lambda: "SECRET_KEY=${SECRET_KEY}",
        lambda: f"IMAGE_DIGEST=sha256:{hx(64)}",
    ])()

# ---------------------------------------------------------------- file builders
def env_files(n):
    names = [".env", ".env.production", "config/.env.staging", ".env.local", "deploy/prod.env"]
    for i in range(n):
        svc = f"{word()}-{R.choice(['api', 'worker', 'web', 'gateway', 'billing', 'auth'])}"
        f = F(f"services/{svc}/{names[i % len(names)]}")
        f.l(f"# {svc} configuration\nNODE_ENV=production\nPORT={R.randrange(3000, 9000)}\nLOG_LEVEL=info")
        kinds = R.sample(ENV_KINDS, R.randrange(2, 5))
        if R.random() < 0.35:
            for line, fam, rule in S_aws():
                f.s(line, fam, rule)
        for k in kinds:
            if R.random() < 0.3:
                f.l("")
                f.l(f"# {k.replace('_', ' ')}")
            line, fam, rule = CAT[k]()
            f.s(line, fam, rule)
            if R.random() < 0.7:
                f.d(decoy_env())
        f.d(decoy_env()); f.d(decoy_env())
        f.l(f"FEATURE_{word().upper()}=true")

def compose_files(n):
    for i in range(n):
        f = F(f"infra/compose/{word()}/docker-compose.yml")
        f.l("version: \"3.9\"\nservices:\n  db:\n    image: postgres:16\n    environment:")
        if i % 2 == 0:
            f.s(f"      POSTGRES_PASSWORD: {pw(18)}", "config-password", "postgres-password-env")
        else:
            f.d("      POSTGRES_PASSWORD_FILE: /run/secrets/pg_password")
        f.l("      POSTGRES_USER: app\n    volumes:\n      - pgdata:/var/lib/postgresql/data")
        f.l("  mysql:\n    image: mysql:8.4\n    environment:")
        if i % 3 != 2:
            f.s(f"      - MYSQL_ROOT_PASSWORD={pw(16)}", "config-password", "mysql-password-env")
        else:
            f.d("      - MYSQL_ROOT_PASSWORD=${MYSQL_ROOT_PASSWORD}")
        f.l("  cache:\n    image: redis:7\n    command: [\"redis-server\", \"--appendonly\", \"yes\"]")
        f.l("  broker:\n    image: rabbitmq:3-management\n    environment:\n      RABBITMQ_DEFAULT_USER: app")
        if i % 2 == 1:
            f.s(f"      RABBITMQ_DEFAULT_PASS: {an(20)}", "config-password", "rabbitmq-default-pass")
        else:
            f.d("      RABBITMQ_DEFAULT_PASS: guest")
        f.l("  app:\n    build: .\n    image: registry.corp.net/app@sha256:" + hx(64))
        STATS["decoys"] += 1
        f.l("    environment:")
        line, fam, rule = CAT[R.choice(["pg", "mongo", "redis", "amqp", "mysql"])]()
        k, v = line.split("=", 1)
        # One list of `KEY=value` items: a block that mixed `KEY: value` and `- KEY=value` was
        # not valid YAML, which the IaC engine reported on every self-scan.
        f.s(f"      - {k}={v}", fam, rule)
        line, fam, rule = CAT[R.choice(["stripe", "sendgrid", "slack_bot", "openai", "github", "generic"])]()
        k, v = line.split("=", 1)
        f.s(f"      - {k}={v}", fam, rule)
        f.d("      - SENTRY_RELEASE=" + hx(40))
        f.l("volumes:\n  pgdata: {}")

def k8s_files(n):
    for i in range(n):
        app = word()
        f = F(f"k8s/{app}/{R.choice(['secret', 'secrets', 'credentials'])}.yaml")
        f.l(f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: {app}-credentials\n  namespace: {word()}\ntype: Opaque\ndata:")
        for key in R.sample(["DB_PASSWORD", "API_KEY", "JWT_SECRET", "REDIS_PASSWORD", "SMTP_PASSWORD", "ENCRYPTION_KEY"], R.randrange(1, 4)):
            f.s(f"  {key}: {b64enc(pw(R.randrange(16, 28)).encode())}", "kubernetes", "kubernetes-secret-manifest")
        f.l("---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: " + app + "\nspec:\n  template:\n    spec:\n      containers:\n        - name: app")
        f.d(f"          image: registry.corp.net/{app}@sha256:{hx(64)}")
        f.l("          envFrom:\n            - secretRef:\n                name: " + app + "-credentials")
        f.l("          env:\n            - name: DB_PASSWORD\n              valueFrom:\n                secretKeyRef:\n                  name: " + app + "-credentials\n                  key: DB_PASSWORD")
    for i in range(3):
        app = word()
        f = F(f"k8s/{app}/configmap.yaml")
        f.l(f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {app}-config\ndata:\n  LOG_LEVEL: info\n  DB_HOST: postgres.{app}.svc")
        f.d("  PASSWORD_MIN_LENGTH: \"12\"")
        f.d("  TOKEN_URL: https://auth.corp.net/oauth/token")
        if i < 2:
            f.s(f"  DB_PASSWORD: {pw(16)}", "kubernetes", None)
        f.d(f"  TRACE_ID_SEED: \"{uuid4()}\"")
    # decoy-only: secret with placeholders, sealed secret
    f = F("k8s/templates/secret-template.yaml")
    f.l("apiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ .Release.Name }}-db\ntype: Opaque\nstringData:")
    f.d("  password: {{ .Values.db.password | quote }}")
    f.d("  username: {{ .Values.db.username | quote }}")
    f = F("k8s/sealed/db-sealedsecret.yaml")
    f.l("apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: db\nspec:\n  encryptedData:")
    f.d("    password: Ag" + b64s(300) + "==")
    # kubeconfig
    f = F("clusters/staging/kubeconfig")
    f.l("apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    server: https://10.20.0.1:6443")
    f.d("    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t" + b64s(120) + "=")
    f.l("  name: staging\nusers:\n- name: ci-deployer\n  user:")
    f.s(f"    token: {jwt({'iss': 'kubernetes/serviceaccount', 'sub': 'system:serviceaccount:ci:deployer'}, 'RS256')}", "package-registry", None)
    f = F("clusters/prod/admin.kubeconfig")
    f.l("apiVersion: v1\nkind: Config\nusers:\n- name: admin\n  user:")
    f.d("    client-certificate-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t" + b64s(200) + "=")
    body, _ = pem("EC PRIVATE KEY")
    f.s("    client-key-data: " + b64enc(body.encode()), "package-registry", "kubeconfig-client-key-data")

def terraform_files(n):
    for i in range(n):
        f = F(f"terraform/{word()}/main.tf")
        f.l('terraform {\n  required_version = ">= 1.6"\n}\n')
        if i % 3 == 0:
            f.l('provider "aws" {\n  region     = "eu-west-1"')
            f.s(f'  access_key = "AKIA{rs("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)}"', "cloud", "aws-access-key-id")
            f.s(f'  secret_key = "{b64s(40)}"', "cloud", None)
            f.l("}\n")
        f.l('resource "aws_db_instance" "main" {\n  engine         = "postgres"\n  instance_class = "db.t3.medium"\n  username       = "app"')
        if i % 2 == 0:
            f.s(f'  password       = "{pw(20)}"', "config-password", "config-password-assignment")
        else:
            f.d("  password       = var.db_password")
        f.l("}\n")
        f.l('resource "aws_lambda_function" "fn" {\n  function_name    = "handler"')
        f.d(f'  source_code_hash = "{b64s(43)}="')
        f.d(f'  image_uri        = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/fn@sha256:{hx(64)}"')
        f.l("}\n")
        if i % 3 == 1:
            f.l('provider "azurerm" {\n  features {}\n  tenant_id     = "' + uuid4() + '"\n  client_id     = "' + uuid4() + '"')
            STATS["decoys"] += 2
            line, fam, rule = CAT["azure_secret"]()
            f.s(f'  client_secret = "{line.split("=", 1)[1]}"', fam, rule)
            f.l("}")
        f.d(f'  ami = "ami-{hx(17)}"')
    f = F("terraform/prod/terraform.tfvars")
    f.l('region = "eu-west-1"')
    line, fam, rule = CAT["confluent"]()
    f.s(f'confluent_api_secret = "{line.split("=", 1)[1]}"', fam, rule)
    line, fam, rule = CAT["do"]()
    f.s(f'do_token = "{line.split("=", 1)[1]}"', fam, rule)
    f.d('db_password = "REPLACE_ME"')

def python_files(n):
    for i in range(n):
        mod = word()
        f = F(f"src/{R.choice(['app', 'service', 'jobs'])}/{mod}_{i}.py")
        f.l("import os\nimport requests\nimport logging\n\nlog = logging.getLogger(__name__)\n")
        choice = i % 8
        if choice == 0:
            f.s(f'STRIPE_KEY = "sk_live_51{an(30)}"', "payment", "stripe-live-secret-key")
            f.d('WEBHOOK_SECRET = os.environ["STRIPE_WEBHOOK_SECRET"]')
        elif choice == 1:
            f.s(f'client = OpenAI(api_key="sk-proj-{b64u(64)}T3BlbkFJ{b64u(64)}")', "ai", "openai-project-api-key")
            f.d('client2 = OpenAI(api_key=os.getenv("OPENAI_API_KEY"))')
        elif choice == 2:
            f.s(f'engine = create_engine("postgresql+psycopg2://report:{pw(16)}@warehouse.internal.corp:5432/analytics")', "database", "postgres-uri-password")
            f.d('test_engine = create_engine("postgresql://postgres:postgres@localhost:5432/test")')
        elif choice == 3:
            f.s(f"app.config['SECRET_KEY'] = '{an(32)}'", "config-password", "flask-secret-key")
            f.d("app.config['SQLALCHEMY_DATABASE_URI'] = os.environ['DATABASE_URL']")
        elif choice == 4:
            f.s(f'SLACK_TOKEN = "xoxb-{R.randrange(10**11, 10**12)}-{R.randrange(10**12, 10**13)}-{an(24)}"', "chat", "slack-bot-token")
            f.d(f'CHANNEL_ID = "C{uan(10)}"')
        elif choice == 5:
            f.s(f'headers = {{"Authorization": "Bearer {an(40)}"}}', "config-password", "http-bearer-token")
            f.d('headers2 = {"Authorization": f"Bearer {token}"}')
        elif choice == 6:
            f.s(f'PARTNER_API_SECRET = "{b64u(40)}"', "generic", "generic-high-entropy-secret")
            f.d(f'checksum = "{hx(64)}"')
            f.d(f'request_id = "{uuid4()}"')
        else:
            f.s(f'DEPLOYER_PRIVATE_KEY = "0x{hx(64)}"', "crypto", "ethereum-private-key")
            f.d(f'tx_hash = "0x{hx(64)}"')
        f.l(f"\n\ndef fetch_{mod}(session, item_id):\n    resp = session.get(f\"https://api.{mod}.corp.net/v2/items/{{item_id}}\", timeout=10)\n    resp.raise_for_status()\n    return resp.json()\n")
        f.d(f'    # commit {hx(40)} fixed pagination')
    # Django settings
    for i in range(2):
        f = F(f"web/{word()}site/settings.py")
        f.l("from pathlib import Path\n\nBASE_DIR = Path(__file__).resolve().parent.parent\n")
        f.s(f"SECRET_KEY = '{rs(string.ascii_lowercase + string.digits + '!@%^&*-_=+', 50)}'", "config-password", "django-secret-key")
        f.l("DEBUG = False\nALLOWED_HOSTS = ['*']\nDATABASES = {\n    'default': {\n        'ENGINE': 'django.db.backends.postgresql',\n        'NAME': 'app',\n        'USER': 'app',")
        f.s(f"        'PASSWORD': '{pw(18)}',", "config-password", "config-password-assignment")
        f.l("        'HOST': 'db',\n    }\n}")
        f.d("EMAIL_HOST_PASSWORD = os.environ.get('EMAIL_HOST_PASSWORD')")
        f.d("PASSWORD_HASHERS = ['django.contrib.auth.hashers.Argon2PasswordHasher']")
        f.d("AUTH_PASSWORD_VALIDATORS = []")

def js_files(n):
    for i in range(n):
        f = F(f"web/src/{R.choice(['lib', 'api', 'services'])}/{word()}{i}.{R.choice(['js', 'ts'])}")
        f.l("import axios from 'axios';\n")
        c = i % 7
        if c == 0:
            f.s(f"const sendgridKey = 'SG.{b64u(22)}.{b64u(43)}';", "email", "sendgrid-api-key")
        elif c == 1:
            f.s(f'const token = "{jwt()}";', "jwt", "jwt")
            f.d('const anonKey = "eyJhbGciOiJub25lIn0.eyJyb2xlIjoiYW5vbiJ9.";')
        elif c == 2:
            f.s(f"  mongoUri: 'mongodb://admin:{an(20)}@mongo-0.mongo.svc:27017/app?authSource=admin',", "database", "mongodb-uri-password")
            f.d("  devUri: 'mongodb://localhost:27017/app',")
        elif c == 3:
            f.s(f"const stripe = require('stripe')('rk_live_{an(40)}');", "payment", "stripe-restricted-key")
        elif c == 4:
            f.s(f'  url: "https://eth-mainnet.g.alchemy.com/v2/{b64u(32)}",', "crypto", "alchemy-api-key")
            f.d('  accounts: [process.env.PRIVATE_KEY],')
        elif c == 5:
            f.s(f"const webhookSecret = '{an(32)}';", "generic", "generic-high-entropy-secret")
            f.d("const apiToken = process.env.API_TOKEN;")
        else:
            f.s(f"const discord = new WebhookClient({{ url: 'https://discord.com/api/webhooks/{R.randrange(10**17, 10**18)}/{b64u(68)}' }});", "chat", "discord-webhook-url")
        f.d(f"const ICON = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9hAAAA{b64s(120)}=';")
        f.l("\nexport async function load(id) {\n  const { data } = await axios.get(`/api/items/${id}`);\n  return data;\n}")

def go_files(n):
    for i in range(n):
        f = F(f"cmd/{word()}/main.go")
        f.l("package main\n\nimport (\n\t\"database/sql\"\n\t\"os\"\n)\n")
        c = i % 4
        if c == 0:
            f.s(f'const dsn = "postgres://billing:{pw(16)}@pg.internal.corp:5432/billing?sslmode=require"', "database", "postgres-uri-password")
        elif c == 1:
            f.s(f'var ghToken = "{crc_token("ghp_")}"', "vcs", "github-pat-classic")
            f.d(f'var ghTokenOld = "{bad_crc_token("ghp_")}"')
        elif c == 2:
            f.s(f'\twebhookSecret := "{an(28)}"', "generic", "generic-high-entropy-secret")
        else:
            f.s(f'\tdb, _ := sql.Open("mysql", "root:{pw(14)}@tcp(mysql.internal:3306)/orders")', "database", "go-mysql-dsn-password")
        f.d('\tpassword := os.Getenv("DB_PASSWORD")')
        f.d(f'\t// go.sum: golang.org/x/crypto v0.21.0 h1:{b64s(43)}=')
        f.l("\nfunc main() {\n\t_ = sql.Drivers()\n}")

def java_files(n):
    for i in range(n):
        f = F(f"java/{word()}-service/src/main/resources/application{'-prod' if i % 2 else ''}.properties")
        f.l("server.port=8080\nspring.application.name=" + word())
        f.l("spring.datasource.url=jdbc:postgresql://pg.internal:5432/app\nspring.datasource.username=app")
        f.s(f"spring.datasource.password={pw(16)}", "config-password", "spring-datasource-password")
        if i % 2 == 0:
            f.s(f"app.reporting.url=jdbc:sqlserver://sql01.corp.local:1433;databaseName=reports;user=svc_rep;password={pw(14)};encrypt=true", "database", "jdbc-sqlserver-password")
        else:
            f.s(f"legacy.erp.url=jdbc:oracle:thin:erp_app/{pw(15)}@//ora-prod.corp:1521/ERP", "database", "jdbc-oracle-password")
        f.d("spring.rabbitmq.password=${RABBITMQ_PASSWORD}")
        f.d("management.endpoints.web.exposure.include=health,info")
    f = F("java/payments/src/main/java/com/corp/payments/Config.java")
    f.l("package com.corp.payments;\n\npublic final class Config {")
    f.s(f'    static final String AWS_SECRET_ACCESS_KEY = "{b64s(40)}";', "cloud", "aws-secret-access-key")
    f.s(f'    static final String PAYSTACK = "sk_live_{hx(40)}"; // paystack', "payment", "paystack-secret-key")
    f.d('    static final String SERIAL_VERSION = "' + hx(16) + '";')
    f.l("}")

def ruby_php_files():
    f = F("rails/config/secrets.yml")
    f.l("production:")
    f.s(f"  secret_key_base: {hx(128)}", "config-password", "rails-secret-key-base")
    f.l("development:")
    f.d('  secret_key_base: <%= ENV["SECRET_KEY_BASE"] %>')
    f = F("rails/config/initializers/shipping.rb")
    f.s(f'EasyPost.api_key = "EZAK{an(54)}"', "saas", "easypost-api-key")
    f.s(f'Shippo::API.token = "shippo_live_{hx(40)}"', "saas", "shippo-token")
    f.d('Rollbar.configure { |c| c.access_token = ENV["ROLLBAR_ACCESS_TOKEN"] }')
    f = F("rails/config/initializers/rollbar.rb")
    f.s(f"ROLLBAR_ACCESS_TOKEN = '{hx(32)}'", "monitoring", "rollbar-access-token")
    f.d(f"ASSET_DIGEST = '{hx(32)}'")
    f = F("wordpress/wp-config.php")
    f.l("<?php\ndefine( 'DB_NAME', 'wordpress' );\ndefine( 'DB_USER', 'wp' );")
    f.s(f"define( 'DB_PASSWORD', '{pw(20)}' );", "config-password", "wordpress-db-password")
    f.l("define( 'DB_HOST', 'mysql' );")
    f.d("define( 'AUTH_KEY',         'put your unique phrase here' );")
    f = F("wordpress/wp-config-sample.php")
    f.d("define( 'DB_PASSWORD', 'password_here' );")
    f = F("laravel/.env")
    f.l("APP_NAME=Shop\nAPP_ENV=production")
    f.s(f"APP_KEY=base64:{b64enc(rbytes(32))}", "config-password", "laravel-app-key")
    f.l("DB_CONNECTION=mysql\nDB_HOST=127.0.0.1")
    f.s(f"DB_PASSWORD={pw(16)}", "config-password", "config-password-assignment")
    f.s(f"MOLLIE_KEY=live_{an(30)}  # mollie", "payment", "mollie-api-key")
    f.d("MAIL_PASSWORD=null")
    f = F("laravel/.env.example")
    f.d("APP_KEY=")
    f.d("DB_PASSWORD=secret")
    f.d("MOLLIE_KEY=test_" + an(30))

def shell_files():
    f = F("scripts/deploy.sh")
    f.l("#!/usr/bin/env bash\nset -euo pipefail\n")
    f.s(f"sshpass -p '{pw(14)}' ssh -o StrictHostKeyChecking=no deploy@10.0.3.14 'sudo systemctl restart app'", "config-password", "sshpass-password")
    f.d('sshpass -p "$DEPLOY_PASSWORD" scp build.tgz deploy@10.0.3.15:/srv/')
    f.s(f"curl -fsS -u ci-bot:{an(24)} https://nexus.corp.net/repository/raw/app.tgz -o app.tgz", "config-password", "curl-basic-auth")
    f.d('curl -fsS -u "$NEXUS_USER:$NEXUS_PASS" https://nexus.corp.net/service/rest/v1/status')
    f = F("scripts/backup-db.sh")
    f.l("#!/bin/sh\nDATE=$(date +%F)")
    f.s(f"mysqldump -u backup -p{pw(14)} --all-databases | gzip > /backup/all-$DATE.sql.gz", "config-password", "mysql-cli-password")
    f.s(f"export PGPASSWORD={pw(16)}", "config-password", "pgpassword-env")
    f.l("pg_dump -h pg.internal -U backup app > /backup/app-$DATE.sql")
    f.d("mysql -u root -p app < schema.sql")
    f.d(f"echo \"{hx(64)}  /backup/app-$DATE.sql\" >> SHA256SUMS")
    f = F("scripts/map-drive.bat")
    f.l("@echo off")
    f.s(rf"net use Z: \\fs01\builds {pw(14)} /user:CORP\svc_build /persistent:no", "config-password", "net-use-password")
    f.d(r"net use Y: \\fs01\public * /user:CORP\%USERNAME%")
    f = F("scripts/release.sh")
    f.l("#!/usr/bin/env bash")
    f.s(f"echo dckr_pat_{b64u(27)} | docker login -u corpci --password-stdin", "package-registry", "docker-hub-pat")
    f.s(f"dotnet nuget push bin/Release/*.nupkg --api-key oy2{lan(43)} --source https://api.nuget.org/v3/index.json", "package-registry", "nuget-api-key")
    f.s(f"mix hex.config api_key {hx(32)}", "package-registry", "hex-api-key")
    f.d('echo "$DOCKERHUB_TOKEN" | docker login -u corpci --password-stdin')
    f = F("scripts/api-smoke.sh")
    f.l("#!/usr/bin/env bash")
    basic = b64enc(f"svc-{word()}:{an(20)}".encode())
    f.s(f'curl -s -H "Authorization: Basic {basic}" https://api.internal.corp/health', "config-password", "http-basic-auth-header")
    f.d('curl -s -H "Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==" https://httpbin.org/basic-auth/Aladdin/open')
    f.d('curl -s -H "Authorization: Bearer $API_TOKEN" https://api.internal.corp/v1/me')
    f.s(f"curl -s https://api.telegram.org/bot{R.randrange(10**9, 2 * 10**9)}:AA{b64u(33)}/sendMessage -d chat_id=42", "chat", "telegram-bot-token")
    f = F("ansible/inventory/hosts.ini")
    f.l("[web]")
    f.s(f"web01 ansible_host=10.0.1.10 ansible_user=deploy ansible_ssh_pass={pw(14)}", "config-password", "ansible-password")
    f.d("web02 ansible_host=10.0.1.11 ansible_user=deploy ansible_ssh_pass=\"{{ vault_ssh_pass }}\"")
    f = F("ansible/group_vars/db.yml")
    f.s(f"ansible_become_pass: '{pw(16)}'", "config-password", "ansible-password")
    f.d("db_password: !vault |")
    f.d("          $ANSIBLE_VAULT;1.1;AES256")
    f.d("          " + hx(80))
    f = F("nginx/.htpasswd")
    f.s(f"admin:$apr1${rs(B58, 8)}${rs(ALNUM + './', 22)}", "config-password", "htpasswd-hash")
    f.s(f"ops:$2y$10${rs(ALNUM + './', 53)}", "password-hash", "password-hash")
    f = F("odbc/odbc.ini")
    f.l("[warehouse]\nDriver=/opt/microsoft/msodbcsql18/lib64/libmsodbcsql-18.so")
    f.s(f"ConnectionString=Server=tcp:sql01.corp.local,1433;Database=dw;Uid=etl;Pwd={pw(14)};", "config-password", "connection-string-pwd")
    f.d('# PWD=/home/etl')

def ci_files():
    f = F(".github/workflows/release.yml")
    f.l("name: release\non:\n  push:\n    tags: ['v*']\njobs:\n  publish:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@" + hx(40))
    STATS["decoys"] += 1
    f.l("      - run: npm publish\n        env:")
    f.d("          NODE_AUTH_TOKEN: ${{ secrets.NPM_TOKEN }}")
    f.s(f"          NPM_TOKEN_BACKUP: {crc_token('npm_')}", "package-registry", "npm-access-token")
    f.l("      - run: twine upload dist/*\n        env:\n          TWINE_USERNAME: __token__")
    f.s(f"          TWINE_PASSWORD: {pypi()}", "package-registry", "pypi-upload-token")
    f = F(".github/workflows/deploy.yml")
    f.l("name: deploy\non: [push]\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    env:")
    f.d("      AWS_ACCESS_KEY_ID: ${{ secrets.AWS_ACCESS_KEY_ID }}")
    f.s(f"      SLACK_WEBHOOK: https://hooks.slack.com/services/T{uan(8)}/B{uan(10)}/{an(24)}", "chat", "slack-webhook-url")
    f.s(f"      VAULT_TOKEN: hvs.{an(90)}", "infra", "hashicorp-vault-service-token")
    f.l("    steps:\n      - uses: actions/checkout@v4\n      - run: ./deploy.sh")
    f = F(".gitlab-ci.yml")
    f.l("stages: [build, deploy]\nvariables:\n  DOCKER_DRIVER: overlay2")
    f.s(f"  GITLAB_API_TOKEN: glpat-{b64u(20)}", "vcs", "gitlab-personal-access-token")
    f.d("  CI_REGISTRY_PASSWORD: $CI_JOB_TOKEN")
    f.l("deploy:\n  stage: deploy\n  script:")
    f.s(f"    - curl -X POST -H 'Authorization: Bearer {b64u(48)}' https://deploy.corp.net/hooks/release", "config-password", "http-bearer-token")
    f = F(".circleci/config.yml")
    f.l("version: 2.1\njobs:\n  build:\n    docker:\n      - image: cimg/python:3.12")
    f.l("        auth:\n          username: corpci")
    f.s(f"          password: {pw(18)}", "config-password", "config-password-assignment")
    f.l("    environment:")
    f.s(f"      SENTRY_AUTH_TOKEN: sntryu_{hx(64)}", "monitoring", "sentry-user-auth-token")
    f.d("      CODECOV_TOKEN: $CODECOV_TOKEN")
    f = F("azure-pipelines.yml")
    f.l("trigger:\n- main\nvariables:")
    f.s(f"  NEW_RELIC_API_KEY: NRAK-{uan(27)}", "monitoring", "newrelic-user-api-key")
    f.d("  system.debug: 'false'")
    f = F("Jenkinsfile")
    f.l("pipeline {\n  agent any\n  environment {")
    f.s(f"    DATADOG_API_KEY = '{hx(32)}'", "monitoring", "datadog-api-key")
    f.d("    REGISTRY_CREDS = credentials('registry-creds')")
    f.l("  }\n  stages { stage('build') { steps { sh 'make' } } }\n}")

def registry_files():
    f = F("frontend/.npmrc")
    f.l("registry=https://registry.npmjs.org/\nsave-exact=true")
    f.s(f"//registry.npmjs.org/:_authToken={crc_token('npm_')}", "package-registry", "npmrc-auth-token")
    f.d("//npm.pkg.github.com/:_authToken=${GITHUB_TOKEN}")
    f = F("tools/.npmrc")
    f.l("registry=https://artifactory.corp.net/api/npm/npm/\nalways-auth=true")
    f.s(f"_auth={b64enc(('ci:' + an(20)).encode())}", "package-registry", "npmrc-auth-basic")
    f.l("email=ci@corp.net")
    f = F("sdk/.npmrc")
    f.s(f"//npm.pkg.github.com/:_authToken={crc_token('ghp_')}", "package-registry", None)
    f.l("@corp:registry=https://npm.pkg.github.com")
    f = F("python-lib/.pypirc")
    f.l("[distutils]\nindex-servers =\n    pypi\n    testpypi\n\n[pypi]\nusername = __token__")
    f.s(f"password = {pypi()}", "package-registry", None)
    f.l("\n[testpypi]\nrepository = https://test.pypi.org/legacy/\nusername = __token__")
    f.s(f"password = {pypi(True)}", "package-registry", None)
    f = F("home/ci/.pypirc")
    f.l("[internal]\nrepository = https://nexus.corp.net/repository/pypi-internal/\nusername = ci")
    f.s(f"password = {pw(16)}", "package-registry", "pypirc-password")
    f = F("home/ci/.netrc")
    f.l("machine api.heroku.com\n  login ops@corp.net")
    f.s(f"  password {uuid4()}", "package-registry", "netrc-password")
    f.s(f"machine nexus.corp.net login ci password {pw(16)}", "package-registry", "netrc-password")
    f = F("home/dev/.netrc")
    f.d("machine github.com login octocat password $GITHUB_TOKEN")
    f = F("home/ci/.git-credentials")
    f.s(f"https://ci-bot:{crc_token('ghp_')}@github.com", "package-registry", None)
    f.s(f"https://oauth2:glpat-{b64u(20)}@gitlab.corp.net", "package-registry", None)
    f = F("home/ci/.docker/config.json")
    f.l('{\n  "auths": {\n    "https://index.docker.io/v1/": {')
    f.s(f'      "auth": "{b64enc((word() + ":" + an(24)).encode())}"', "package-registry", "docker-config-auth")
    f.l('    },\n    "registry.corp.net": {')
    f.s(f'      "auth": "{b64enc(("robot$ci:" + an(32)).encode())}"', "package-registry", "docker-config-auth")
    f.l("    }\n  }\n}")
    f = F("home/dev/.docker/config.json")
    f.d('{\n  "auths": {\n    "https://index.docker.io/v1/": {}\n  },\n  "credsStore": "desktop"\n}')
    f = F("maven/settings.xml")
    f.l("<settings>\n  <servers>\n    <server>\n      <id>releases</id>\n      <username>deployer</username>")
    f.s(f"      <password>{pw(18)}</password>", "package-registry", "maven-settings-password")
    f.l("    </server>\n    <server>\n      <id>snapshots</id>\n      <username>deployer</username>")
    f.d("      <password>${env.MAVEN_PASSWORD}</password>")
    f.l("    </server>\n  </servers>\n</settings>")
    f = F("android/gradle.properties")
    f.l("org.gradle.jvmargs=-Xmx4g\nsigning.keyId=" + hx(8).upper())
    f.s(f"signing.password={pw(18)}", "package-registry", "gradle-properties-password")
    f.s(f"artifactoryPassword={an(24)}", "package-registry", "gradle-properties-password")
    f.d("android.useAndroidX=true")
    f = F("dotnet/nuget.config")
    f.l('<?xml version="1.0" encoding="utf-8"?>\n<configuration>\n  <packageSourceCredentials>\n    <corp>\n      <add key="Username" value="ci" />')
    f.s(f'      <add key="ClearTextPassword" value="{lan(52)}" />', "package-registry", "nuget-config-password")
    f.l("    </corp>\n  </packageSourceCredentials>\n</configuration>")
    f = F("php/auth.json")
    f.l('{\n    "github-oauth": {')
    f.s(f'        "github.com": "{crc_token("gho_")}"', "package-registry", None)
    f.l('    },\n    "http-basic": {\n        "repo.packagist.com": {\n            "username": "token",')
    f.s(f'            "password": "{hx(40)}"', "package-registry", "composer-auth")
    f.l("        }\n    }\n}")
    f = F("web/.yarnrc.yml")
    f.l("nodeLinker: node-modules\nnpmScopes:\n  corp:\n    npmRegistryServer: https://npm.corp.net")
    f.s(f'    npmAuthToken: "{crc_token("npm_")}"', "package-registry", None)
    f = F("home/ci/.cargo/credentials.toml")
    f.l("[registry]")
    f.s(f'token = "cio{an(32)}"', "package-registry", "cargo-registry-token")
    f = F("home/ci/.gem/credentials")
    f.l("---")
    f.s(f":rubygems_api_key: rubygems_{hx(48)}", "package-registry", "rubygems-api-key")
    f = F("home/ci/.terraformrc")
    f.l('credentials "registry.corp.net" {')
    f.s(f'  token = "{an(40)}"', "package-registry", "terraform-cli-token")
    f.l("}")
    f = F("home/ci/.config/dart/pub-credentials.json")
    f.s(f'{{"accessToken":"ya29.{b64u(120)}","refreshToken":"1//{b64u(100)}","tokenEndpoint":"https://accounts.google.com/o/oauth2/token","expiration":1718000000000}}', "package-registry", None)
    f = F("home/ci/.pgpass")
    f.s(f"db.internal.corp:5432:*:app:{pw(18)}", "config-password", "pgpass-entry")
    f.d("localhost:5432:*:postgres:postgres")

def key_files():
    for label, path in [("RSA PRIVATE KEY", "deploy/keys/id_rsa"), ("EC PRIVATE KEY", "certs/server-ec.key"), ("DSA PRIVATE KEY", "legacy/id_dsa"),
                        ("PRIVATE KEY", "certs/tls.key"), ("ENCRYPTED PRIVATE KEY", "certs/client.enc.key"), ("OPENSSH PRIVATE KEY", "ops/bastion/id_ed25519"),
                        ("RSA PRIVATE KEY", "github-app/app.private-key.pem"), ("OPENSSH PRIVATE KEY", "home/ci/.ssh/id_ed25519")]:
        body, rule = pem(label)
        F(path).s(body, "private-key", rule, at=1)
    # PGP
    body = pem_lines(b"\x95\x03\xc6\x04", 700)
    F("release/signing-key.asc").s("\n".join(["-----BEGIN PGP PRIVATE KEY BLOCK-----", "", *body, "=" + b64s(4), "-----END PGP PRIVATE KEY BLOCK-----"]), "private-key", "private-key-pgp", at=2)
    # PuTTY
    pub = pem_lines(b"\x00\x00\x00\x07ssh-rsa", 279); prv = pem_lines(b"\x00\x00\x01\x00", 660)
    lines = ["PuTTY-User-Key-File-3: ssh-rsa", "Encryption: none", "Comment: rsa-key-20230914", f"Public-Lines: {len(pub)}", *pub, f"Private-Lines: {len(prv)}", *prv, "Private-MAC: " + hx(64)]
    F("ops/keys/admin.ppk").s("\n".join(lines), "private-key", "private-key-putty", at=5 + len(pub))
    # SSH2
    body = pem_lines(b"\x3f\x6f\xf9\xeb", 900, 70)
    F("ops/keys/tectia_key").s("\n".join(["---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----", 'Comment: "rsa-key-20210314"', *body, "---- END SSH2 ENCRYPTED PRIVATE KEY ----"]), "private-key", "private-key-ssh2-encrypted", at=2)
    # key embedded in YAML
    f = F("ci/ssh-deploy.yml")
    f.l("deploy:\n  variables:\n    SSH_PRIVATE_KEY: |")
    body, rule = pem("OPENSSH PRIVATE KEY", indent="      ")
    f.s("      " + body, "private-key", rule, at=1)
    # GCP service account JSON
    f = F("gcp/service-account.json")
    f.l('{\n  "type": "service_account",\n  "project_id": "' + word() + '-prod-' + str(R.randrange(100000, 999999)) + '",')
    f.s(f'  "private_key_id": "{hx(40)}",', "cloud", "gcp-service-account-key")
    body, rule = pem("PRIVATE KEY", sep="\\n")
    f.s(f'  "private_key": "{body}\\n",', "private-key", rule)
    f.l(f'  "client_email": "deployer@{word()}-prod.iam.gserviceaccount.com",')
    f.d(f'  "client_id": "{R.randrange(10**20, 10**21)}",')
    f.l('  "token_uri": "https://oauth2.googleapis.com/token"\n}')
    # decoy keys: docs, public keys, certificates
    f = F("certs/ca.crt")
    f.d("\n".join(["-----BEGIN CERTIFICATE-----", *pem_lines(b"\x30\x82\x03\x5d", 860), "-----END CERTIFICATE-----"]))
    f = F("deploy/keys/id_rsa.pub")
    f.d("ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ" + b64s(340) + " deploy@ci")
    f = F("certs/server.pub.pem")
    f.d("\n".join(["-----BEGIN PUBLIC KEY-----", *pem_lines(b"\x30\x82\x01\x22\x30\x0d", 294), "-----END PUBLIC KEY-----"]))

def json_files():
    for i in range(4):
        f = F(f"dotnet/{word().capitalize()}Api/appsettings.{'Production.' if i % 2 else ''}json")
        f.l('{\n  "Logging": { "LogLevel": { "Default": "Information" } },\n  "ConnectionStrings": {')
        f.s(f'    "Default": "Server=tcp:sql-{word()}.database.windows.net,1433;Initial Catalog=app;User ID=app;Password={pw(16)};Encrypt=True;"', "config-password", None)
        f.l("  },\n  \"Jwt\": {")
        f.s(f'    "SigningSecret": "{an(48)}",', "generic", "generic-high-entropy-secret")
        f.d('    "Issuer": "https://auth.corp.net",')
        f.l("  },")
        f.d(f'  "InstanceId": "{uuid4()}",')
        f.l('  "AllowedHosts": "*"\n}')
    f = F("config/firebase.json")
    f.l("{")
    line, fam, rule = CAT["gcp_key"]()
    f.s(f'  "apiKey": "{line.split("=", 1)[1]}",', fam, rule)
    f.d('  "projectId": "shop-' + lan(6) + '",')
    f.d(f'  "appId": "1:{R.randrange(10**11, 10**12)}:web:{hx(22)}"')
    f.l("}")
    f = F("config/integrations.json")
    f.l("{")
    for k in ["meraki", "zoom", "trello", "clickup", "typeform", "lob", "plaid_access", "supabase_pat"]:
        line, fam, rule = CAT[k]()
        key, v = line.split("=", 1)
        f.s(f'  "{key.lower()}": "{v}",', fam, rule)
    f.d(f'  "schema_version": "{hx(12)}",')
    f.l('  "enabled": true\n}')

def markdown_files():
    f = F("docs/setup.md")
    f.l("# Local setup\n\nCopy `.env.example` to `.env` and fill in:\n\n```\n")
    for line in ["DATABASE_URL=postgres://user:${DB_PASSWORD}@db:5432/app", "STRIPE_SECRET_KEY=sk_live_...", "GITHUB_TOKEN=<your token>", "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE",
                 "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "SLACK_BOT_TOKEN=xoxb-your-token", "OPENAI_API_KEY=sk-your-key-here"]:
        f.d(line)
    f.l("```\n")
    f = F("docs/ssh.md")
    f.l("# SSH keys\n\nA private key looks like this (never commit one):\n\n```")
    f.d("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW...\n-----END OPENSSH PRIVATE KEY-----")
    f.l("```\n\nand an RSA key:\n\n```")
    f.d("-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----")
    f.l("```")
    f = F("docs/api.md")
    f.l("# API\n\nAuthenticate with a bearer token:\n")
    f.d("    curl -H \"Authorization: Bearer $API_TOKEN\" https://api.corp.net/v1/me")
    f.d("    curl -u user:password https://api.corp.net/v1/basic")
    f.l("\nThe response contains a JWT:\n")
    f.d("    eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiIxMjM0NTY3ODkwIn0.")
    f.d(f"    request id: {uuid4()}")
    f = F("docs/incident-2024-03.md")
    f.l("# Incident 2024-03: leaked token\n\nThe following token was found in a public gist and has been revoked:\n")
    f.s(f"    SENDGRID_API_KEY=SG.{b64u(22)}.{b64u(43)}", "email", "sendgrid-api-key")
    f.l("\nTimeline:\n- 10:02 alert\n- 10:15 rotated")
    f.d(f"- commit {hx(40)} removed the token")
    f = F("docs/kubernetes.md")
    f.l("# Secrets in Kubernetes\n\n```yaml\napiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:")
    f.d("  password: ${DB_PASSWORD}")
    f.l("```\n\nBase64 of `password` is `cGFzc3dvcmQ=`; never use it.")
    STATS["decoys"] += 1
    f = F("docs/database.md")
    f.l("# Databases\n\nConnection strings follow this pattern:\n")
    for d in ["postgresql://user:password@localhost:5432/app", "mongodb://localhost:27017/app", "postgres://app@db.internal:5432/app", "redis://:${REDIS_PASSWORD}@redis:6379/0",
              "mysql://root:root@127.0.0.1:3306/test", "jdbc:oracle:thin:scott/tiger@localhost:1521:orcl"]:
        f.d(f"- `{d}`")
    f = F("CHANGELOG.md")
    f.l("# Changelog\n")
    for _ in range(8):
        f.d(f"- {hx(7)} {R.choice(['fix', 'feat', 'chore'])}: {word()} {word()} ({hx(40)})")
    f = F("docs/crypto-wallets.md")
    f.l("# Wallet configuration\n\nFor local development Hardhat uses a well-known mnemonic:\n")
    f.d('    MNEMONIC="test test test test test test test test test test test junk"')
    f.d("    PRIVATE_KEY=0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")
    f.l("\nNever commit a production key.")
    f = F("platform/README.md")
    f.l("# Platform monorepo\n\n![build](https://ci.corp.net/badge.svg)\n")
    f.d("Verify the download: `sha256sum -c SHA256SUMS` (expected `" + hx(64) + "`).")
    f.l("\nSet `GITHUB_TOKEN` in your environment; see docs/setup.md.")
    f = F("docs/onboarding-notes.md")
    f.l("# Onboarding notes (internal)\n\nStaging admin login for the first week:\n")
    f.s(f"- staging DB: `postgresql://onboard:{pw(16)}@staging-db.internal.corp:5432/app`", "database", "postgres-uri-password")
    f.s(f"- Slack bot for alerts: `xoxb-{R.randrange(10**11, 10**12)}-{R.randrange(10**12, 10**13)}-{an(24)}`", "chat", "slack-bot-token")
    f.d("- VPN: use your SSO password")

def decoy_files():
    f = F("web/package-lock.json")
    f.l('{\n  "name": "web",\n  "lockfileVersion": 3,\n  "packages": {')
    for i in range(12):
        n = word()
        f.l(f'    "node_modules/{n}": {{\n      "version": "{R.randrange(1, 9)}.{R.randrange(0, 20)}.{R.randrange(0, 9)}",\n      "resolved": "https://registry.npmjs.org/{n}/-/{n}-1.0.0.tgz",')
        f.d(f'      "integrity": "sha512-{b64s(86)}=="')
        f.l("    },")
    f.l('    "": {}\n  }\n}')
    f = F("dist/SHA256SUMS")
    for n in ["rampart-x86_64-linux.tar.gz", "rampart-aarch64-linux.tar.gz", "rampart-x86_64-darwin.tar.gz", "rampart-aarch64-darwin.tar.gz", "rampart-x86_64-windows.zip"]:
        f.d(f"{hx(64)}  {n}")
    f = F("go.sum")
    for _ in range(10):
        m = f"github.com/{word()}/{word()}"
        f.d(f"{m} v1.{R.randrange(0, 20)}.{R.randrange(0, 9)} h1:{b64s(43)}=")
    f = F("data/users.csv")
    f.l("id,tenant_id,created_at,email_hash")
    for _ in range(10):
        f.d(f"{uuid4()},{uuid4()},2024-0{R.randrange(1, 9)}-1{R.randrange(0, 9)},{hx(64)}")
    f = F("web/public/styles.css")
    f.l(".logo {")
    f.d(f"  background-image: url(data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAACAAAAAgCAYAAABzenr0AAAA{b64s(400)}=);")
    f.l("}\n.icon {")
    f.d(f"  background: url(\"data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIHZpZXdCb3g9IjAgMCAyNCAyNCI+{b64s(200)}\");")
    f.l("}")
    f = F("web/public/vendor.min.js")
    f.d("!function(e,t){\"object\"==typeof exports?module.exports=t():e.lib=t()}(this,function(){var e=\"" + an(64) + "\",t={token:e.slice(0,8),secret:function(n){return n^" + str(R.randrange(10**6)) + "}};return t});")
    f.d("var a=\"" + b64s(200) + "\";var s=function(t){return atob(a).split(\"\").map(function(c){return c.charCodeAt(0)^t})};")
    f = F("tests/fixtures/fake_keys.py")
    f.l('"""Fixtures: intentionally invalid credentials used by unit tests."""')
    f.d('AWS_KEY = "AKIAIOSFODNN7EXAMPLE"')
    f.d(f'GITHUB_TOKEN = "{bad_crc_token("ghp_")}"  # checksum deliberately wrong')
    f.d(f'NPM_TOKEN = "{bad_crc_token("npm_")}"')
    f.d('STRIPE_KEY = "sk_test_' + "0" * 24 + '"')
    f.d('JWT_NONE = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJ0ZXN0In0."')
    f.d('PASSWORD = "password"')
    f.d('DB_URL = "postgres://postgres:postgres@localhost:5432/test"')
    f = F("Cargo.lock")
    f.l("version = 3\n")
    for _ in range(8):
        f.l(f'[[package]]\nname = "{word()}"\nversion = "0.{R.randrange(1, 20)}.{R.randrange(0, 9)}"\nsource = "registry+https://github.com/rust-lang/crates.io-index"')
        f.d(f'checksum = "{hx(64)}"')
        f.l("")
    f = F("yarn.lock")
    for _ in range(6):
        n = word()
        f.l(f'{n}@^1.0.0:\n  version "1.{R.randrange(0, 9)}.0"\n  resolved "https://registry.yarnpkg.com/{n}/-/{n}-1.0.0.tgz#{hx(40)}"')
        STATS["decoys"] += 1
        f.d(f"  integrity sha512-{b64s(86)}==")
    f = F("logs/build-2024-06-01.log")
    for _ in range(8):
        f.d(f"[{R.randrange(10, 23)}:{R.randrange(10, 59)}:{R.randrange(10, 59)}] step {word()} ok trace_id={hx(32)} span={hx(16)} request={uuid4()}")
    f = F("src/app/hashing.py")
    f.l("import hashlib\n")
    f.d(f'EMPTY_SHA256 = "{hashlib.sha256(b"").hexdigest()}"')
    f.d(f'KNOWN_GOOD_DIGEST = "{hx(64)}"')
    f.s('password_hash = "$2b$12$' + rs(ALNUM + "./", 53) + '"', "password-hash", "password-hash")
    f.d('def token_for(user): return hmac.new(key, user.encode(), "sha256").hexdigest()')
    f.d('secret_name = "projects/prod/secrets/db-password/versions/latest"')
    f.d('token_url = "https://oauth2.googleapis.com/token"')
    f.d('api_key = get_secret("payments-api-key")')
    f.d('token = os.environ["TOKEN"]')
    f = F("web/src/i18n/en.json")
    f.l("{")
    f.d('  "password": "Password",')
    f.d('  "password_hint": "At least 12 characters, one digit and one symbol",')
    f.d('  "token_expired": "Your session token has expired, please sign in again",')
    f.d('  "api_key_label": "API key (starts with sk_live_)",')
    f.l('  "ok": "OK"\n}')
    f = F("ios/Podfile.lock")
    f.l("SPEC CHECKSUMS:")
    for _ in range(6):
        f.d(f"  {word().capitalize()}Kit: {hx(40)}")
    f = F("assets/manifest.json")
    f.l("{")
    for _ in range(6):
        f.d(f'  "{word()}.js": "{word()}.{hx(20)}.js",')
    f.l('  "version": 1\n}')
    f = F("config/uuids.yaml")
    for k in ["tenant_id", "subscription_id", "client_id", "object_id", "workspace_id"]:
        f.d(f"{k}: {uuid4()}")
    f = F("docs/example-config.toml")
    f.d('token = "${API_TOKEN}"')
    f.d('secret = "{{ vault_secret }}"')
    f.d('api_key = "<insert key>"')
    f.d('password = "%(db_password)s"')
    f.d('client_secret = "REDACTED"')
    f.d('access_key = "xxxxxxxxxxxxxxxxxxxxxxxx"')

def near_miss_files():
    """Decoys aimed at the keyword-anchored rules: code that handles secrets without containing one."""
    f = F("src/app/auth/login.py")
    f.l("from flask import request\n\n\ndef login(db):")
    f.d('    password = request.form["password"]')
    f.d("    password_confirmation = request.form.get('password_confirmation')")
    f.d("    token = session.get('csrf_token')")
    f.d("    api_key = settings.PAYMENTS_API_KEY")
    f.d("    client_secret = config.oauth.clientSecret")
    f.d("    secret_key = Path('/run/secrets/app_secret_key').read_text()")
    f.l("    user = db.find(request.form['email'])")
    f.d("    if not check_password_hash(user.password_hash, password):")
    f.l("        return None\n    return user")
    f = F("web/src/components/LoginForm.jsx")
    f.l("export function LoginForm() {\n  return (\n    <form>")
    f.d('      <input type="password" name="password" autoComplete="current-password" />')
    f.d('      <input type="hidden" name="csrf_token" value={csrfToken} />')
    f.l("    </form>\n  );\n}")
    f.d("const accessToken = process.env.NEXT_PUBLIC_ACCESS_TOKEN;")
    f.d("const tokenStorageKey = 'auth.accessToken.v2';")
    f = F("cmd/server/config.go")
    f.l("package main\n\ntype DBConfig struct {")
    f.d('\tPassword string `yaml:"password" env:"DB_PASSWORD"`')
    f.d('\tAPIToken string `json:"api_token"`')
    f.l("}\n\nfunc load(cfg *Config) DBConfig {\n\treturn DBConfig{")
    f.d("\t\tPassword: cfg.Database.Password,")
    f.d('\t\tAPIToken: os.Getenv("API_TOKEN"),')
    f.l("\t}\n}")
    f = F("java/payments/src/main/java/com/corp/payments/Db.java")
    f.l("package com.corp.payments;\n\nclass Db {")
    f.d('    private final String password = System.getenv("DB_PASSWORD");')
    f.d('    private static final String PASSWORD_FIELD = "password";')
    f.d('    private String secretKeyRef = "SecretKeyRefProviderFactory";')
    f.d('    String url = "jdbc:postgresql://db:5432/app?user=app&password=" + password;')
    f.l("}")
    f = F(".github/workflows/ci.yml")
    f.l("name: ci\non: [pull_request]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    services:\n      postgres:\n        image: postgres:16\n        env:")
    f.d("          POSTGRES_PASSWORD: postgres")
    f.l("    env:")
    f.d("      DATABASE_URL: postgres://postgres:postgres@localhost:5432/test")
    f.d("      NPM_TOKEN: ${{ secrets.NPM_TOKEN }}")
    f.d("      DB_PASSWORD: ${{ secrets.DB_PASSWORD }}")
    f.d("      SONAR_TOKEN: ${{ secrets.SONAR_TOKEN }}")
    f.l("    steps:\n      - uses: actions/checkout@v4")
    f.d("      - run: mysql -h 127.0.0.1 -u root -p\"$MYSQL_ROOT_PASSWORD\" < schema.sql")
    f.d('      - run: curl -u "$NEXUS_USER:$NEXUS_PASSWORD" -O https://nexus.corp.net/tool.tgz')
    f = F("helm/app/values.yaml")
    f.l("replicaCount: 2\nimage:\n  repository: registry.corp.net/app")
    f.d(f"  digest: sha256:{hx(64)}")
    f.l("database:\n  host: postgres\n  user: app")
    f.d("  password: \"\"  # set with --set database.password=...")
    f.d("  existingSecret: app-db-credentials")
    f.d("  passwordKey: db-password")
    f.l("auth:")
    f.d("  tokenTtl: 3600")
    f.d("  secretName: app-jwt-signing-secret")
    f = F("docs/configuration.md")
    f.l("# Configuration reference\n\n| key | description |\n|---|---|")
    f.d("| `password` | database password: must be at least 12 characters |")
    f.d("| `api_key` | the API key, e.g. `sk_live_...` from the dashboard |")
    f.d("| `token` | a personal access token with `repo` scope |")
    f.l("\nExample:\n\n```ini")
    f.d("password = <database password>")
    f.d("api_key = YOUR_API_KEY")
    f.d("secret_key = replace-with-a-long-random-string")
    f.l("```\n\nConnection URI: `postgresql://user:password@localhost:5432/app` or `postgres://app@db/app`.")
    STATS["decoys"] += 2
    f.l("Use `mongodb://localhost:27017` locally, and `redis://localhost:6379`.")
    STATS["decoys"] += 2
    f = F("config/logging.ini")
    f.l("[loggers]\nkeys=root\n\n[formatter_json]")
    f.d("format=%(asctime)s %(levelname)s %(message)s token=%(token)s")
    f.d("secret_fields=password,token,api_key,client_secret")
    f = F("scripts/rotate-keys.sh")
    f.l("#!/usr/bin/env bash\nset -euo pipefail")
    f.d('NEW_TOKEN=$(openssl rand -hex 32)')
    f.d('API_KEY="$(vault kv get -field=api_key secret/app)"')
    f.d('export PGPASSWORD="$(cat /run/secrets/pg)"')
    f.d("sshpass -e ssh deploy@host 'echo ok'")
    f.d(r"net use Z: \\fs01\share /user:CORP\svc /persistent:no")
    f.d('echo "machine github.com login x-access-token password ${GH_TOKEN}" > ~/.netrc')
    f = F("k8s/base/external-secret.yaml")
    f.l("apiVersion: external-secrets.io/v1beta1\nkind: ExternalSecret\nmetadata:\n  name: db\nspec:\n  secretStoreRef:\n    name: vault\n    kind: ClusterSecretStore\n  data:")
    f.d("    - secretKey: password\n      remoteRef:\n        key: secret/data/db\n        property: password")
    f = F("k8s/base/service-account-token.yaml")
    f.l("apiVersion: v1\nkind: Secret\nmetadata:\n  name: build-robot-token\n  annotations:\n    kubernetes.io/service-account.name: build-robot\ntype: kubernetes.io/service-account-token")
    f.d("# data is filled in by the token controller")
    f = F("src/app/crypto_utils.py")
    f.l("import hashlib, hmac, uuid\n")
    f.d(f'SALT = "{hx(32)}"  # public salt, not a secret')
    f.d(f'NAMESPACE_UUID = uuid.UUID("{uuid4()}")')
    f.d(f'GENESIS_BLOCK = "0x{hx(64)}"')
    f.d(f'TX_HASH = "0x{hx(64)}"')
    f.d(f'CONTRACT_ADDRESS = "0x{hx(40)}"')
    f.d(f'IPFS_CID = "Qm{rs(B58, 44)}"')

def extra_positive_files():
    """Secrets in less common shapes: quoting, export, CRLF, nested config."""
    f = F("ops/windows/deploy.ps1")
    lines = ["$ErrorActionPreference = 'Stop'", f"$env:SQL_PASSWORD = '{pw(16)}'", "Invoke-Sqlcmd -ServerInstance sql01 -Query 'SELECT 1'",
             f"$headers = @{{ Authorization = 'Bearer {an(44)}' }}", "Invoke-RestMethod -Uri https://api.corp.net/v1/deploy -Headers $headers"]
    f.lines.extend(l + "\r" for l in lines)  # CRLF file
    LABELS.append({"path": f.path, "line": 2, "family": "config-password", "rule": "config-password-assignment"})
    LABELS.append({"path": f.path, "line": 4, "family": "config-password", "rule": "http-bearer-token"})
    f = F("ops/profile.d/app.sh")
    f.l("# sourced by login shells on app hosts")
    f.s(f'export MYSQL_PASSWORD="{pw(16)}"', "config-password", "mysql-password-env")
    f.s(f"export REDIS_PASSWORD='{an(24)}'", "config-password", "redis-password")
    f.s(f'export OPENAI_API_KEY="sk-proj-{b64u(64)}T3BlbkFJ{b64u(64)}"', "ai", "openai-project-api-key")
    f.d('export PATH="$HOME/.local/bin:$PATH"')
    f = F("config/redis/redis.conf")
    f.l("bind 0.0.0.0\nport 6379\nappendonly yes")
    f.s(f"requirepass {an(32)}", "config-password", "redis-password")
    f.d("# requirepass foobared")
    f = F("config/app/config.toml")
    f.l("[server]\nport = 8080\n\n[database]\nhost = \"db.internal\"\nuser = \"app\"")
    f.s(f'password = "{pw(20)}"', "config-password", "config-password-assignment")
    f.l("\n[integrations.partner]")
    f.s(f'api_key = "{an(36)}"', "generic", "generic-high-entropy-secret")
    f.d('endpoint = "https://partner.example-corp.net/v2"')
    f = F("config/app/application.conf")
    f.l("akka.http.server.idle-timeout = 60s\ndb {\n  url = \"jdbc:postgresql://db:5432/app\"")
    f.s(f'  password = "{pw(18)}"', "config-password", "config-password-assignment")
    f.l("}")
    f = F("dotnet/Legacy/Web.config")
    f.l('<configuration>\n  <connectionStrings>')
    f.s(f'    <add name="Main" connectionString="Data Source=sql02;Initial Catalog=crm;User ID=crm;Password={pw(16)};" providerName="System.Data.SqlClient" />', "config-password", None)
    f.l("  </connectionStrings>\n  <appSettings>")
    f.s(f'    <add key="SmtpPassword" value="{pw(14)}" />', "config-password", "xml-appsettings-secret")
    f.l("  </appSettings>\n</configuration>")
    f = F("config/ldap.yml")
    f.l("ldap:")
    f.s(f"  url: ldaps://svc_gitlab:{pw(16)}@dc01.corp.local:636", "database", "ldap-uri-password")
    f.s(f"  smtp_url: smtps://alerts%40corp.net:{an(20)}@smtp.mailhost-corp.net:465", "database", "smtp-uri-password")
    f.s(f"  ftp_drop: ftp://partner_upload:{pw(14)}@files.partner-corp.net/incoming", "database", "ftp-uri-password")
    f.s(f"  es: https://elastic:{an(22)}@es-prod.internal.corp:9200", "database", "elasticsearch-uri-password")
    f.s(f"  graph: neo4j+s://neo4j:{an(43)}@{lan(8)}.databases.neo4j.io", "database", "neo4j-uri-password")
    f.s(f"  olap: clickhouse://analytics:{pw(18)}@ch.internal.corp:9440/events", "database", "clickhouse-uri-password")
    f.s(f"  couch: http://admin:{pw(16)}@couchdb.internal.corp:5984/", "database", "couchdb-uri-password")
    f.s(f"  jdbc: jdbc:mysql://mysql.internal:3306/app?user=app&password={pw(16)}&useSSL=true", "database", "jdbc-password-parameter")
    f.s(f"  proxy: http://proxyuser:{an(20)}@proxy.corp.net:3128", "database", "generic-uri-password")
    f = F("web/src/config/supabase.ts")
    f.d(f"export const SUPABASE_URL = 'https://{lan(20)}.supabase.co';")
    f.s(f"export const SUPABASE_SERVICE_KEY = '{jwt({'iss': 'supabase', 'ref': lan(20), 'role': 'service_role', 'iat': 1700000000, 'exp': 2015000000})}';", "jwt", "jwt")
    f = F("wallet/.env")
    f.s(f"BTC_WIF={wif()}", "crypto", "bitcoin-wif-private-key")
    f.s(f'SEED_PHRASE="{" ".join(word() for _ in range(24))}"', "crypto", "bip39-mnemonic")
    f.s(f"BINANCE_API_KEY={an(64)}", "crypto", "binance-api-key")
    f.d(f"WALLET_ADDRESS=0x{hx(40)}")
    f.d(f"BTC_ADDRESS=bc1q{rs('023456789acdefghjklmnpqrstuvwxyz', 38)}")
    f = F("k8s/payments/secret-stringdata.yaml")
    f.l("apiVersion: v1\nkind: Secret\nmetadata:\n  name: payments\ntype: Opaque\nstringData:")
    f.s(f"  STRIPE_SECRET_KEY: sk_live_51{an(30)}", "payment", "stripe-live-secret-key")
    f.s(f"  DB_PASSWORD: \"{pw(18)}\"", "config-password", "config-password-assignment")

def encoded_files():
    """Secrets that only show after one level of decoding (base64 blobs, percent-encoded URLs)."""
    f = F("ci/env/deploy-vars.env")
    f.l("# CI variables exported for the deploy job")
    body, _ = pem("PRIVATE KEY", sep="\n")
    sa = json.dumps({"type": "service_account", "project_id": f"{word()}-prod", "private_key_id": hx(40),
                     "private_key": body + "\n", "client_email": f"ci@{word()}-prod.iam.gserviceaccount.com"}, indent=2)
    f.s(f"GCP_SA_KEY_B64={b64enc(sa.encode())}", "private-key", None)
    npmrc = f"//registry.npmjs.org/:_authToken={crc_token('npm_')}\n"
    f.s(f"NPMRC_B64={b64enc(npmrc.encode())}", "package-registry", None)
    f.d(f"WELCOME_BANNER_B64={b64enc(b'Welcome to the staging environment. Deploys are frozen on Fridays.')}")
    f.d(f"DEPLOY_PUBKEY_B64={b64enc(('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI' + b64s(43) + ' deploy@ci').encode())}")
    f = F("k8s/registry/pull-secret.yaml")
    cfg = json.dumps({"auths": {"registry.corp.net": {"auth": b64enc(("robot$puller:" + an(32)).encode())}}})
    f.l("apiVersion: v1\nkind: Secret\nmetadata:\n  name: regcred\ntype: kubernetes.io/dockerconfigjson\ndata:")
    f.s(f"  .dockerconfigjson: {b64enc(cfg.encode())}", "kubernetes", None)
    f = F("web/src/config/redirects.ts")
    hook = f"https://hooks.slack.com/services/T{uan(8)}/B{uan(10)}/{an(24)}"
    f.s(f"export const ALERT_FORWARD = 'https://relay.corp.net/forward?to={hook.replace(':', '%3A').replace('/', '%2F')}';", "chat", None)
    f.d("export const LOGIN_REDIRECT = 'https://app.corp.net/login?next=%2Fdashboard%3Ftab%3Dbilling';")

def human_pw():
    """A password as people and password managers write them: words, digits and symbols, `<`,
    `%`, `#`, `@` and `&` included (never first, where a shell or template would read them)."""
    kind = R.randrange(4)
    if kind == 0:
        return f"{word().capitalize()}{R.randrange(1990, 2030)}{R.choice('!#@&%?')}"
    if kind == 1:
        return f"{word().capitalize()}-{word()}-{R.randrange(10, 99)}{R.choice('!#@')}"
    if kind == 2:
        return an(3) + "".join(R.choice(ALNUM + "#@&%<>?!*") for _ in range(13))
    return f"{word()}{R.choice('#@&')}{word().capitalize()}{R.randrange(100, 999)}"


def random_with(word_, n, alpha=ALNUM):
    """A random value of `n` characters with `word_` inside a run of letters: real random tokens
    contain such substrings as often as chance says, and must still be found."""
    v = rs(alpha, n)
    i = R.randrange(2, n - len(word_) - 2)
    return v[:i - 1] + R.choice(string.ascii_lowercase) + word_ + R.choice(string.ascii_lowercase) + v[i + len(word_) + 1:]


def real_world_files():
    """Secrets in the shapes real repositories hold them: human passwords, tokens that contain
    placeholder-like words by chance, command lines, constructor arguments, split PEM keys,
    service keys named by their file, the credential files of well-known tools, password hashes."""
    # Human-made passwords and random tokens with chance substrings.
    f = F("services/legacy-crm/config/database.yml")
    f.l("production:\n  adapter: mysql2\n  host: db01.corp.local\n  username: crm")
    f.s(f"  password: \"{human_pw()}\"", "config-password", "config-password-assignment")
    f.s(f"  replica_password: '{human_pw()}'", "config-password", "config-password-assignment")
    f = F("services/legacy-crm/.env")
    f.l("APP_ENV=production")
    f.s(f"SMTP_PASSWORD={human_pw()}", "config-password", None)
    f.s(f"GITLAB_TOKEN=glpat-{random_with('todo', 20, ALNUM + '-_')}", "vcs", "gitlab-personal-access-token")
    f.s(f"INTERNAL_API_TOKEN={random_with('Fake', 40)}", "generic", None)
    f.s(f"PARTNER_CLIENT_SECRET={random_with('sample', 44)}", "generic", None)
    f.s(f"SESSION_SECRET={an(3)}<{an(10)}%{an(12)}", "generic", None)
    f.s(f"MAIL_PASS={human_pw()}", "config-password", "env-file-secret")
    f.s(f"JWT_SIGNING_KEY={b64u(43)}", "config-password", "env-file-secret")
    f.d("TOKEN_TTL=3600")
    f.d("SESSION_COOKIE_SECURE=true")
    # Command lines in scripts, Makefiles, Dockerfiles and CI steps.
    f = F("Makefile")
    f.l("REGISTRY := registry.corp.net\n\npush:")
    f.s(f"\tdocker login -u deploy -p {pw(16)} $(REGISTRY)", "config-password", "command-line-password-flag")
    f.l("\tdocker push $(REGISTRY)/app:latest\n\nmigrate:")
    f.s(f"\tPGPASSWORD={pw(16)} psql -h db.internal -U app -f migrations.sql", "config-password", "pgpassword-env")
    f.d("\tdocker login -u deploy -p \"$$REGISTRY_PASSWORD\" $(REGISTRY)")
    f = F("docker/builder/Dockerfile")
    f.l("FROM debian:12\nRUN apt-get update && apt-get install -y git curl")
    f.s(f"RUN git clone https://ci-bot:{an(40)}@git.corp.net/platform/tools.git /opt/tools", "vcs", None)
    f.s(f"RUN /opt/tools/register --url https://ci.corp.net --password={pw(16)}", "config-password", "command-line-password-flag")
    f.s(f"RUN curl -fsSL -u deployer:{pw(14)} https://nexus.corp.net/repository/raw/agent.tgz | tar xz", "config-password", "curl-basic-auth")
    f = F(".github/workflows/nightly.yml")
    f.l("name: nightly\non:\n  schedule: [{cron: '0 3 * * *'}]\njobs:\n  dump:\n    runs-on: ubuntu-latest\n    steps:")
    f.s(f"      - run: mysqldump -h db.corp.net -u backup -p{pw(14)} shop > shop.sql", "config-password", "mysql-cli-password")
    f.s(f"      - run: sshpass -p '{pw(14)}' scp shop.sql backup@10.0.9.4:/srv/dumps/", "config-password", "sshpass-password")
    f.s(f"      - run: helm registry login ghcr.io --username bot --password {pw(18)}", "config-password", "command-line-password-flag")
    # Constructors and connection strings.
    f = F("legacy/php/includes/db.php")
    f.l("<?php")
    f.s(f"$db = new mysqli('db01.corp.local', 'shop', '{pw(14)}', 'shop');", "config-password", "db-client-positional-password")
    f.s(f"$pdo = new PDO('pgsql:host=pg01;dbname=crm', 'crm', '{human_pw()}');", "config-password", "db-client-positional-password")
    f.s(f"$link = mysqli_connect(\"localhost\", \"wp\", \"{pw(16)}\", \"wp\");", "config-password", "db-client-positional-password")
    f.d("$db = new mysqli($host, $user, $pass, $name);")
    f = F("jobs/report/export.py")
    f.l("import pymysql, psycopg2\n")
    f.s(f"conn = pymysql.connect(\"10.0.0.5\", \"report\", \"{pw(15)}\", \"sales\")", "config-password", "db-client-positional-password")
    f.s(f"pg = psycopg2.connect(\"host=pg01 dbname=dw user=etl password={pw(16)}\")", "config-password", None)
    f.s(f"client = MongoClient(\"mongodb://reporter:{an(20)}@mongo01.corp.local:27017/?authSource=admin\")", "database", "mongodb-uri-password")
    f = F("java/billing/src/main/java/com/corp/billing/Repo.java")
    f.l("package com.corp.billing;\n\nclass Repo {")
    f.s(f"    Connection c = DriverManager.getConnection(\"jdbc:postgresql://pg01:5432/billing\", \"billing\", \"{pw(16)}\");", "config-password", "db-client-positional-password")
    f.s(f"    String url = \"jdbc:sqlserver://sql01;databaseName=ar;user=ar;password={pw(14)};encrypt=true\";", "database", None)
    f.l("}")
    # PEM keys escaped or concatenated in string literals.
    f = F("services/signer/src/keys.js")
    body = pem_lines(KEYS["RSA PRIVATE KEY"][0], 900)
    f.l("// signing key for the legacy partner API")
    f.s("const KEY = \"-----BEGIN RSA PRIVATE KEY-----\\n\" +\n" + "".join(f"  \"{l}\\n\" +\n" for l in body) + "  \"-----END RSA PRIVATE KEY-----\";", "private-key", None, at=1)
    f = F("services/signer/config.json")
    body = pem_lines(KEYS["PRIVATE KEY"][0], 1218)
    f.s('{"private_key": "-----BEGIN PRIVATE KEY-----\\r\\n' + "\\r\\n".join(body) + '\\r\\n-----END PRIVATE KEY-----\\r\\n"}', "private-key", None)
    # Service keys identified by their file or neighbouring keys.
    f = F("ops/datadog-agent/datadog.yaml")
    f.s(f"api_key: {hx(32)}", "monitoring", "datadog-agent-config-api-key")
    f.l("site: datadoghq.eu\nlogs_enabled: true")
    f = F("helm/monitoring/values.yaml")
    f.l("datadog:")
    f.s(f"  api_key: {hx(32)}", "monitoring", "datadog-api-key-near-site")
    f.l("  site: datadoghq.com\n  logs:\n    enabled: true")
    # Credential files of well-known tools.
    F("home/ops/.my.cnf").l("[client]\nuser=backup").s(f"password={human_pw()}", "config-password", "mysql-option-file-password")
    F("home/ci/.config/git/credentials").s(f"https://ci:{an(40)}@git.corp.net", "package-registry", None)
    auth = b64enc(f"deploy:{pw(16)}".encode())
    F("home/ops/.dockercfg").s(f'{{"https://index.docker.io/v1/": {{"auth": "{auth}", "email": "ops@corp.net"}}}}', "package-registry", "dockercfg-auth")
    f = F("web/theme/sftp-config.json")
    f.l('{\n  "type": "sftp",\n  "host": "web01.corp.net",\n  "user": "deploy",')
    f.s(f'  "password": "{human_pw()}",', "config-password", "editor-remote-sync-password")
    f.l('  "remote_path": "/var/www/"\n}')
    f = F("web/theme/.vscode/sftp.json")
    f.s(f'{{"name": "prod", "host": "10.0.0.8", "username": "www", "password": "{pw(12)}"}}', "config-password", "editor-remote-sync-password")
    f = F("backup/FileZilla/sitemanager.xml")
    f.l('<?xml version="1.0" encoding="UTF-8"?>\n<FileZilla3>\n<Servers>\n<Server>\n<Host>ftp.corp.net</Host>\n<User>web</User>')
    f.s(f'<Pass encoding="base64">{b64enc(human_pw().encode())}</Pass>', "config-password", "filezilla-password")
    f.l("</Server>\n</Servers>\n</FileZilla3>")
    F("rails/config/master.key").s(hx(32), "config-password", "rails-master-key")
    f = F("rails-legacy/config/secrets.yml")
    f.l("production:")
    f.s(f"  stripe_webhook_key: {an(32)}", "config-password", "rails-secrets-yml")
    f = F("wordpress-staging/wp-config.php")
    f.l("<?php")
    salt = lambda: "".join(R.choice(ALNUM + "!@#$%^&*()-_[]{}<>~+=,.;:/?|") for _ in range(64))
    for k in ["AUTH_KEY", "SECURE_AUTH_KEY", "LOGGED_IN_KEY", "NONCE_SALT"]:
        f.s(f"define( '{k}', '{salt()}' );", "config-password", "wordpress-auth-key-salt")
    f = F("legacy/php/config/config.inc.php")
    f.l("<?php\nreturn [\n  'db' => [\n    'host' => 'db01',\n    'user' => 'shop',")
    f.s(f"    'pass' => '{pw(14)}',", "config-password", "php-config-array-password")
    f.l("  ],\n];")
    f = F("home/ops/.irssi/config")
    f.l("servers = (\n  { address = \"irc.libera.chat\"; chatnet = \"libera\"; port = \"6697\"; use_tls = \"yes\"; }\n);\nchatnets = {\n  libera = {\n    type = \"IRC\";")
    f.s(f"    autosendcmd = \"/msg nickserv identify {pw(14)}; wait 2000\";", "config-password", "irc-nickserv-password")
    f.l("  };\n};")
    f = F("home/ops/.config/hexchat/servlist.conf")
    f.l("v=2.16.2\n\nN=Libera.Chat\nI=opsbot")
    f.s(f"B={pw(14)}", "config-password", "hexchat-server-password")
    f.l("S=irc.libera.chat/+6697")
    # Password hashes: their own rule, never a password assignment.
    f = F("backup/etc/shadow")
    f.l("root:*:19700:0:99999:7:::")
    f.s(f"deploy:$6${rs(ALNUM + './', 16)}${rs(ALNUM + './', 86)}:19800:0:99999:7:::", "password-hash", "password-hash")
    f.s(f"ops:$y$j9T${rs(ALNUM + './', 22)}${rs(ALNUM + './', 43)}:19801:0:99999:7:::", "password-hash", "password-hash")
    f = F("db/dumps/users.sql")
    f.l("INSERT INTO `users` (`id`, `email`, `password`) VALUES")
    f.s(f"(1, 'ops@corp.net', '$2y$10${rs(ALNUM + './', 53)}'),", "password-hash", "password-hash")
    f.s(f"(2, 'ceo@corp.net', 'pbkdf2_sha256$600000${an(22)}${b64s(43)}=');", "password-hash", "password-hash")
    f = F("web/seed/users.json")
    # rampart:ignore secrets/config-password-assignment template of a generated hash fixture, no value
    f.s(f'[{{"model": "auth.user", "pk": 1, "fields": {{"username": "admin", "password": "argon2$argon2id$v=19$m=102400,t=2,p=8${b64s(22)}${b64s(43)}"}}}}]', "password-hash", "password-hash")

def main():
    check = "--check" in sys.argv
    env_files(14); compose_files(6); k8s_files(8); terraform_files(6); python_files(16); js_files(10); go_files(6); java_files(6)
    ruby_php_files(); shell_files(); ci_files(); registry_files(); key_files(); json_files(); markdown_files(); decoy_files()
    near_miss_files(); extra_positive_files(); encoded_files(); real_world_files()
    out = {p: "\n".join(f.lines) + "\n" for p, f in FILES.items()}
    labels = sorted(LABELS, key=lambda x: (x["path"], x["line"]))
    for lab in labels:  # sanity: label points at a non-empty line
        assert out[lab["path"]].split("\n")[lab["line"] - 1].strip(), lab
    out["labels.json"] = json.dumps(labels, indent=1) + "\n"
    if check:
        bad = [p for p, t in out.items() if not os.path.exists(os.path.join(ROOT, p)) or open(os.path.join(ROOT, p), encoding="utf-8", newline="").read() != t]
        print("corpus differs:", bad[:10]) if bad else print("corpus up to date")
        sys.exit(1 if bad else 0)
    keep = os.path.join(ROOT, "README.md")
    readme = open(keep, encoding="utf-8").read() if os.path.exists(keep) else None
    out[".gitattributes"] = "# corpus files are byte-exact fixtures (CRLF included)\n* -text\n"
    if os.path.isdir(ROOT):
        shutil.rmtree(ROOT)
    for p, t in out.items():
        full = os.path.join(ROOT, p)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(t)
    if readme is not None:
        open(keep, "w", encoding="utf-8").write(readme)
    del out[".gitattributes"]
    print(f"{len(FILES)} files, {len(labels)} planted secrets, {STATS['decoys']} decoys")

if __name__ == "__main__":
    main()
