"""File responses for user uploads: always a download, never rendered inline.

An SVG, HTML or PDF/HTML polyglot opened inline could run script in our origin
(docs/security.md #8, #10), so every stored file goes out as an attachment with nosniff and a
sandboxing CSP, whoever asks for it.
"""

from django.http import FileResponse


def private_file_response(file_field, *, filename: str) -> FileResponse:
    response = FileResponse(
        file_field.open("rb"), as_attachment=True, filename=filename,
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response
