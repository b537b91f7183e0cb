#!/usr/bin/env python3
"""Prints the text of a mail hakusho wrote to the outbox folder (transport = "file").

The body of an .eml file is base64 (Japanese text), so a text editor shows it scrambled:
    python3 scripts/read_mail.py var/outbox/XXXX.eml
prints the subject, the recipients and each text part, decoded; attachments are listed.
"""
import email
import email.policy
import sys


def show(path):
    with open(path, "rb") as f:
        message = email.message_from_binary_file(f, policy=email.policy.default)
    print("件名:", message["subject"])
    print("宛先:", message["to"])
    for part in message.walk():
        if part.get_content_disposition() == "attachment":
            print("添付:", part.get_filename())
        elif part.get_content_type() == "text/plain":
            print()
            print(part.get_content())


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("使い方: python3 scripts/read_mail.py メール.eml [...]")
    for path in sys.argv[1:]:
        show(path)
