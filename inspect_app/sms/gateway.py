"""SMS gateways, chosen by SMS_BACKEND: `log` (default: written to the app log, nothing sent)
or `http` (a JSON gateway at SMS_URL with a bearer token).

The HTTP protocol: POST SMS_URL with {"to", "text", "ref"} → 2xx {"id", "status"}; and
GET SMS_URL/<id> → {"id", "status"} for the delivery report. Status is one of accepted,
delivered, failed.
"""

import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass

log = logging.getLogger("inspect_app.sms")


class GatewayError(Exception):
    """The gateway refused the message or could not be reached."""


@dataclass(frozen=True)
class Receipt:
    provider_id: str
    status: str  # sent | delivered | failed


_STATUS = {"accepted": "sent", "queued": "sent", "sent": "sent", "delivered": "delivered",
           "failed": "failed", "rejected": "failed", "undeliverable": "failed"}


class LogGateway:
    """Development and demo: the message goes to the log only."""

    def send(self, phone: str, text: str, ref: str) -> Receipt:
        log.info("SMS to %s (%s): %s", phone, ref, text)
        return Receipt(provider_id=f"log-{ref}", status="sent")

    def status(self, provider_id: str) -> str | None:
        return None  # no delivery reports


class HttpGateway:
    def __init__(self, url: str, token: str, timeout: float = 10):
        if not url.startswith(("http://", "https://")):
            raise GatewayError("SMS_URL must be an http(s) address")
        self.url, self.token, self.timeout = url.rstrip("/"), token, timeout

    def _call(self, request: urllib.request.Request) -> dict:
        request.add_header("Authorization", f"Bearer {self.token}")
        request.add_header("Accept", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as resp:  # noqa: S310
                payload = json.loads(resp.read() or b"{}")
        except urllib.error.HTTPError as e:
            raise GatewayError(f"gateway answered {e.code}") from e
        except (urllib.error.URLError, TimeoutError, OSError, ValueError) as e:
            raise GatewayError(f"gateway unreachable: {e}") from e
        if not isinstance(payload, dict):
            raise GatewayError("gateway answered something that is not a JSON object")
        return payload

    def send(self, phone: str, text: str, ref: str) -> Receipt:
        body = json.dumps({"to": phone, "text": text, "ref": ref}, ensure_ascii=False).encode()
        payload = self._call(urllib.request.Request(
            self.url, data=body, method="POST", headers={"Content-Type": "application/json"}))
        status = _STATUS.get(str(payload.get("status", "accepted")), "sent")
        if status == "failed":
            raise GatewayError(f"gateway refused: {payload.get('error') or 'failed'}"[:200])
        return Receipt(provider_id=str(payload.get("id") or "")[:64], status=status)

    def status(self, provider_id: str) -> str | None:
        payload = self._call(urllib.request.Request(f"{self.url}/{provider_id}", method="GET"))
        return _STATUS.get(str(payload.get("status", "")))


def from_config(cfg) -> LogGateway | HttpGateway:
    backend = cfg.get("SMS_BACKEND", "log")
    if backend == "http":
        return HttpGateway(cfg.get("SMS_URL", ""), cfg.get("SMS_TOKEN", ""),
                           cfg.get("SMS_TIMEOUT", 10))
    if backend == "log":
        return LogGateway()
    raise GatewayError(f"unknown SMS_BACKEND {backend!r} (log or http)")
