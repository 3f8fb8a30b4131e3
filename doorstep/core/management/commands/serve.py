"""`doorstep serve`: the production server (gunicorn) serving the site and its static files.

`--with-worker` also runs `doorstep worker` beside it (escalation, reminders, retraining), so a
single command runs a whole small installation such as the demo city; both stop together.
"""

import os
import shutil
import signal
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _


class Command(BaseCommand):
    help = "Serve doorstep with gunicorn (static files through WhiteNoise)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=int(os.environ.get("DOORSTEP_WORKERS", "2")))
        parser.add_argument(
            "--with-worker",
            action="store_true",
            help="Also run `doorstep worker` (background jobs) until the server stops.",
        )

    def handle(self, *args, host, port, workers, with_worker, **options):
        call_command("collectstatic", interactive=False, verbosity=0)
        gunicorn = shutil.which("gunicorn", path=os.path.dirname(sys.executable)) or shutil.which("gunicorn")
        if gunicorn is None:
            raise SystemExit(_("gunicorn is not installed"))
        self.stdout.write(_("Serving doorstep at http://%(host)s:%(port)s/") % {"host": host, "port": port})
        argv = [
            gunicorn,
            "doorstep.wsgi:application",
            "--bind",
            f"{host}:{port}",
            "--workers",
            str(workers),
            "--access-logfile",
            "-",
            "--timeout",
            "120",
        ]
        os.environ.setdefault("DOORSTEP_DATA_DIR", str(settings.DATA_DIR))
        if not with_worker:
            os.execv(gunicorn, argv)
        worker = subprocess.Popen([sys.executable, "-m", "doorstep", "worker", "--interval", "5"])
        self.stdout.write(_("Background jobs: doorstep worker (process %(pid)s)") % {"pid": worker.pid})
        server = subprocess.Popen(argv)
        try:
            code = server.wait()
        except KeyboardInterrupt:
            server.send_signal(signal.SIGINT)
            code = server.wait()
        finally:
            if worker.poll() is None:
                worker.send_signal(signal.SIGINT)  # finishes the task at hand, then stops
                try:
                    worker.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    worker.kill()
        sys.exit(code)
