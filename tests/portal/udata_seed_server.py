"""Run the real udata on loopback, seeded with an organisation, its datasets and files.

This script runs in udata's own virtual environment, not the project's. udata keeps
its database in process (mongomock), so everything the tests need is created here,
before the server starts answering: a user who administers the organisation, a user
who does not, one dataset per site holding the files named in the seed, and an API
key for each user. What the tests need to know is written, as JSON, to ``--out``.

    python udata_seed_server.py --port 5001 --root /tmp/x --seed seed.json --out info.json
"""

import argparse
import json
import logging
import os
import threading
import time
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

import mongomock


def settings(port: int, root: Path) -> type:
    host = f"127.0.0.1:{port}"
    mongo_url = "mongodb://localhost:27017/udata"

    class Loopback:
        TESTING = False
        DEBUG = False
        SERVER_NAME = host
        PREFERRED_URL_SCHEME = "http"
        SECRET_KEY = "statgouv-tests-only"
        API_TOKEN_SECRET = "statgouv-tests-only"
        MONGODB_HOST = mongo_url
        MONGODB_SETTINGS = {"host": mongo_url, "mongo_client_class": mongomock.MongoClient}
        CACHE_TYPE = "flask_caching.backends.NullCache"
        CACHE_NO_NULL_WARNING = True
        CELERY_TASK_ALWAYS_EAGER = True
        CELERY_TASK_EAGER_PROPAGATES = True
        ELASTICSEARCH_URL = None
        SEND_MAIL = False
        FS_ROOT = str(root / "fs")
        FS_SERVE = True
        URLS_ALLOW_LOCAL = True
        URLS_ALLOW_PRIVATE = True
        WTF_CSRF_ENABLED = False
        SESSION_COOKIE_SECURE = False
        PUBLISH_ON_RESOURCE_EVENTS = False

    return Loopback


def seed(app, spec: dict) -> dict:
    from udata.core.api_token.models import ApiToken
    from udata.core.dataset.models import Dataset
    from udata.core.organization.models import Member, Organization
    from udata.core.user.models import User

    now = datetime.now(UTC)
    admin = User(
        email="publisher@example.org", first_name="Ada", last_name="Publisher", active=True
    )
    admin.confirmed_at = now
    admin.save()
    outsider = User(email="outsider@example.org", first_name="Otto", last_name="Side", active=True)
    outsider.confirmed_at = now
    outsider.save()

    organisation = Organization(
        name=spec["organisation"],
        description="Audience of government websites (test organisation)",
        members=[Member(user=admin, role="admin")],
    )
    organisation.save()

    _, admin_key = ApiToken.generate(admin, name="statgouv tests")
    _, outsider_key = ApiToken.generate(outsider, name="outsider")

    datasets = {}
    client = app.test_client()
    for site in spec["sites"]:
        dataset = Dataset(
            title=site["title"],
            description=f"Daily audience of {site['title']}",
            organization=organisation,
        )
        dataset.save()
        datasets[site["title"]] = str(dataset.id)
        for name, text in site["files"].items():
            upload(client, admin_key, str(dataset.id), name, text.encode("utf-8"))

    return {
        "organisation": organisation.slug,
        "organisation_id": str(organisation.id),
        "api_key": admin_key,
        "outsider_key": outsider_key,
        "datasets": datasets,
    }


def upload(client, key: str, dataset_id: str, name: str, content: bytes) -> None:
    """Upload as a client would, then title the resource with the file's own name."""
    headers = {"X-API-KEY": key}
    answer = client.post(
        f"/api/1/datasets/{dataset_id}/upload/",
        data={"file": (BytesIO(content), name)},
        headers=headers,
        content_type="multipart/form-data",
    )
    if answer.status_code != 201:
        raise RuntimeError(f"seeding {name}: {answer.status_code} {answer.get_data(as_text=True)}")
    resource_id = answer.get_json()["id"]
    answer = client.put(
        f"/api/1/datasets/{dataset_id}/resources/{resource_id}/",
        json={"title": name},
        headers=headers,
    )
    if answer.status_code != 200:
        raise RuntimeError(f"titling {name}: {answer.status_code} {answer.get_data(as_text=True)}")


def follow(parent: int) -> None:
    """End this server when the test run that started it is gone, even killed."""
    while True:
        try:
            os.kill(parent, 0)
        except OSError:
            os._exit(0)
        time.sleep(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--root", type=Path, required=True)
    parser.add_argument("--seed", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--parent", type=int, help="stop when this process is gone")
    arguments = parser.parse_args()
    if arguments.parent:
        threading.Thread(target=follow, args=(arguments.parent,), daemon=True).start()

    from udata.app import create_app, standalone

    logging.basicConfig(level=logging.WARNING)
    app = standalone(create_app(override=settings(arguments.port, arguments.root)))
    with app.app_context():
        info = seed(app, json.loads(arguments.seed.read_text(encoding="utf-8")))

    partial = arguments.out.with_suffix(".part")
    partial.write_text(json.dumps(info), encoding="utf-8")
    partial.rename(arguments.out)
    app.run(host="127.0.0.1", port=arguments.port, threaded=True, use_reloader=False)


if __name__ == "__main__":
    main()
