#!/usr/bin/python3
"""Reports by e-mail: `perftrack report weekly --mail-to ... --smtp ...` sends
the report to a loopback SMTP sink (Debian's python3-aiosmtpd) as one message
with a plain-text part (the Markdown report) and an HTML part, both holding
the operations of the file, names escaped in the HTML. A sink that is down is
one error line and exit 2; the report is still printed.

    mail_test.py PERFTRACK
"""
import datetime
import email
import email.policy
import json
import pathlib
import subprocess
import sys
import tempfile

from aiosmtpd.controller import Controller

sys.path.insert(0, str(pathlib.Path(__file__).parents[1] / "serve"))
from serve_test import free_port  # noqa: E402


class Sink:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


def main():
    perftrack = pathlib.Path(sys.argv[1])
    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with tempfile.TemporaryDirectory() as d:
            data = pathlib.Path(d) / "m.jsonl"
            now = datetime.datetime.now(datetime.timezone.utc)
            with open(data, "w") as f:
                for i in range(50):
                    t = (now - datetime.timedelta(hours=i)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
                    f.write(json.dumps({"timestamp": t, "operation_type": "task_<b>claim</b>",
                                        "duration_ms": 5.0 + i, "success": i % 10 != 0}) + "\n")
            sent = subprocess.run(
                [perftrack, "report", "weekly", "--file", data, "--mail-to", "ops@example.com",
                 "--mail-to", "lead@example.com", "--smtp", f"smtp://127.0.0.1:{port}"],
                capture_output=True, text=True)
            assert sent.returncode == 0, sent.stderr
            assert "mailed to ops@example.com, lead@example.com" in sent.stderr, sent.stderr
            assert "task_\\<b\\>claim\\</b\\>" in sent.stdout, sent.stdout
            down = subprocess.run(
                [perftrack, "report", "weekly", "--file", data, "--mail-to", "ops@example.com",
                 "--smtp", f"smtp://127.0.0.1:{free_port()}"], capture_output=True, text=True)
            assert down.returncode == 2 and "cannot send the report" in down.stderr, down.stderr
            assert "# " in down.stdout, "the report is printed even when mailing fails"
    finally:
        controller.stop()
    assert len(sink.messages) == 1, sink.messages
    sender, recipients, content = sink.messages[0]
    assert sender == "perftrack@localhost" and recipients == ["ops@example.com", "lead@example.com"]
    message = email.message_from_bytes(content, policy=email.policy.default)
    assert message["Subject"] == "perftrack weekly report", message["Subject"]
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "claim" in text and "|" in text, text
    assert "<table>" in html and "task_&lt;b&gt;claim&lt;/b&gt;" in html, html
    assert "<b>claim</b>" not in html, "names are escaped in the HTML part"
    print("report mail: one message, plain text and HTML, names escaped; a down sink is exit 2")


if __name__ == "__main__":
    main()
