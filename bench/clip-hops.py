#!/usr/bin/env python3
"""Where one clip's time went, from upload start to the email on disk, by the services' own log lines.

usage: clip-hops.py RUN_DIR JOB_ID UPLOAD_START_EPOCH MAIL_SEEN_EPOCH < the job's JSON
prints: total upload queue ffmpeg store events smtp (seconds, one line)
  upload  upload start -> the last byte stored (the job's uploadedAt)
  queue   the job queued (createdAt) -> the converter starts on it
  ffmpeg  the converter's run of ffmpeg, as the upload arrives
  store   storing the MP3
  events  the MP3 stored -> the notifier about to send (DONE event, its consumer, the sent-once claim)
  smtp    the SMTP exchange
"""
import json
import re
import sys
from datetime import datetime, timezone

run_dir, job_id, start, seen = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
job = json.load(sys.stdin)
day = datetime.fromtimestamp(start, timezone.utc).date().isoformat()


def iso(s):
    return datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


def line(service, pattern):
    """(epoch, match) of the service's first log line about the job that matches pattern."""
    with open(f"{run_dir}/{service}.log", errors="replace") as log:
        for text in log:
            if job_id in text:
                m = re.search(pattern, text)
                if m:
                    return datetime.fromisoformat(f"{day}T{text[:12]}+00:00").timestamp(), m
    sys.exit(f"clip-hops: no line /{pattern}/ about job {job_id} in {service}.log")


converting, _ = line("converter-service", r"converting \(")
done, m = line("converter-service", r"ffmpeg took (\d+) ms, storing the MP3 (\d+) ms")
ffmpeg, store = int(m[1]) / 1000, int(m[2]) / 1000
emailed, m = line("notification-service", r"SMTP took (\d+) ms")
smtp = int(m[1]) / 1000
print(f"{seen - start:.3f} {iso(job['uploadedAt']) - start:.3f} {converting - iso(job['createdAt']):.3f} {ffmpeg:.3f} "
      f"{store:.3f} {emailed - smtp - done:.3f} {smtp:.3f}")
