"""Load data files from the command line (nightly feeds).

    python manage.py ingest --client CODE --kind KIND [--allow-partial] [--mapping NAME] FILE...

Each file becomes an upload in the client's history, loaded at once. Errors are printed with file, row,
column, value and rule; the last line printed is a JSON summary {"rows", "created", "updated",
"unchanged", "errors"} over all files; the exit status is 1 when any file had errors.
"""

import json
import sys
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from drawback.accounts.models import Client
from imports.ingest.core import get_parser
from imports.models import ColumnMapping, Upload
from imports.services import upload_ingest_now


class Command(BaseCommand):
    help = (
        "Load ES-003, fee, AES, HTS, imports.csv, exports.csv, bill of materials, production or returns "
        "files; prints a JSON summary last."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument("--client", help="client code (not for --kind hts)")
        parser.add_argument("--kind", required=True, choices=Upload.Kind.values)
        parser.add_argument(
            "--allow-partial", action="store_true", help="load the valid rows, keep the rejects"
        )
        parser.add_argument(
            "--mapping", help="name of the client's saved column mapping to read the files with"
        )
        parser.add_argument("--max-errors", type=int, default=100, help="errors printed per file")

    def handle(self, *args, files, client, kind, allow_partial, mapping, max_errors, **options):
        parser = get_parser(kind)
        owner = None
        if parser.needs_client:
            if not client:
                raise CommandError(f"--client is required for --kind {kind}")
            owner = Client.objects.filter(code=client).first()
            if owner is None:
                raise CommandError(f"no client with code {client!r} (create it with add_client)")
        elif client:
            raise CommandError("the HTS tariff belongs to no client; leave out --client")
        saved = None
        if mapping:
            saved = ColumnMapping.objects.filter(client=owner, kind=kind, name=mapping).first()
            if saved is None:
                raise CommandError(f"no {kind} column mapping named {mapping!r} for this client")
        paths = [Path(f) for f in files]
        missing = [str(p) for p in paths if not p.is_file()]
        if missing:
            raise CommandError(f"no such file: {', '.join(missing)}")

        totals = {"rows": 0, "created": 0, "updated": 0, "unchanged": 0, "errors": 0}
        for path in paths:
            try:
                upload, _ = upload_ingest_now(
                    client=owner, kind=kind, path=path, allow_partial=allow_partial, mapping=saved
                )
            except ValidationError as exc:
                self.stderr.write(f"{path}: {' '.join(exc.messages)}")
                totals["errors"] += 1
                continue
            summary = upload.summary()
            if upload.status == Upload.Status.FAILED:
                summary["errors"] = max(summary["errors"], 1)
            for key in totals:
                totals[key] += summary[key]
            self.stdout.write(
                f"{path}: {upload.get_status_display()} (upload {upload.pk}) {json.dumps(summary)}"
            )
            self._print_errors(path, upload, max_errors)
        self.stdout.write(json.dumps(totals))
        if totals["errors"]:
            sys.exit(1)

    def _print_errors(self, path: Path, upload: Upload, limit: int) -> None:
        if upload.status == Upload.Status.FAILED:
            self.stderr.write(f"{path}: {upload.message}")
            return
        errors = upload.errors.exclude(rule="rejected_with_line")
        for error in errors[:limit]:
            column = f" column {error.column!r}" if error.column else ""
            value = f" value {error.value!r}" if error.value else ""
            self.stderr.write(f"{path}: row {error.row}{column}{value}: [{error.rule}] {error.message}")
        more = errors.count() - limit
        if more > 0:
            self.stderr.write(
                f"{path}: ... and {more} more errors (see upload {upload.pk} for the rejected rows)"
            )
