"""Per-key rate limits, maximum body size and maximum batch size."""

from __future__ import annotations

from mlfleet_serving.errors import ApiError, error_response
from mlfleet_serving.ratelimit import RateLimiter

from tests.apps.serving.conftest import AUTH, MODEL, OTHER_KEY, VALID_ROW

ROW = VALID_ROW


def test_rate_limit_is_per_key_with_retry_after(make_client) -> None:
    client = make_client(rate_limit_per_second=0.001, rate_limit_burst=3)
    statuses = [
        client.post("/predict", json={"instances": [ROW]}, headers=AUTH).status_code for _ in range(5)
    ]
    assert statuses[:3] != [429] * 3 and statuses[3:] == [429, 429]
    limited = client.post("/predict", json={"instances": [ROW]}, headers=AUTH)
    assert limited.json()["error"]["code"] == "rate_limited"
    assert int(limited.headers["retry-after"]) >= 1
    # Another key has its own bucket.
    assert (
        client.post("/predict", json={"instances": [ROW]}, headers={"X-API-Key": OTHER_KEY}).status_code
        != 429
    )
    assert 'status="429"' in client.get("/metrics").text


def test_token_bucket_refills_over_time() -> None:
    limiter = RateLimiter(rate_per_second=2.0, burst=1)
    limiter.check("a", now=0.0)
    try:
        limiter.check("a", now=0.1)
        raise AssertionError("second request within 0.1 s should be limited")
    except Exception as exc:
        assert getattr(exc, "status", None) == 429
    limiter.check("a", now=0.7)  # 0.6 s * 2/s refilled more than one token


def test_body_over_the_limit_is_413(make_client) -> None:
    client = make_client(max_body_bytes=1000)
    response = client.post("/predict", json={"instances": [ROW] * 10}, headers=AUTH)
    assert response.status_code == 413 and response.json()["error"]["code"] == "body_too_large"


def test_body_over_the_limit_without_content_length_is_413(make_client) -> None:
    client = make_client(max_body_bytes=1000)

    def chunks():
        yield b'{"instances": ['
        for _ in range(50):
            yield b"[" + b",".join([b"0.5"] * 30) + b"],"
        yield b"[0]]}"

    response = client.post("/predict", content=chunks(), headers={**AUTH, "content-type": "application/json"})
    assert response.status_code == 413


def test_batch_over_the_limit_is_413(make_client) -> None:
    client = make_client(max_batch_rows=4)
    assert client.post("/predict", json={"instances": [ROW] * 4}, headers=AUTH).status_code == 200
    response = client.post("/predict", json={"instances": [ROW] * 5}, headers=AUTH)
    assert response.status_code == 413 and response.json()["error"]["code"] == "batch_too_large"
    v2 = {"inputs": [{"name": "x", "shape": [5, 30], "datatype": "FP64", "data": [ROW] * 5}]}
    assert client.post(f"/v2/models/{MODEL}/infer", json=v2, headers=AUTH).status_code == 413


def test_429_message_details_and_retry_after_agree() -> None:
    """Regression: the message said 'retry after 0.10 s' while Retry-After said 1."""
    limiter = RateLimiter(rate_per_second=0.4, burst=1)
    limiter.check("a", now=0.0)
    for now, expected in ((0.1, 3), (2.4, 1)):
        try:
            limiter.check("a", now=now)
            raise AssertionError("should be limited")
        except ApiError as exc:
            assert exc.details == {"retry_after_seconds": expected}
            assert exc.message.endswith(f"retry after {expected} s")
            response = error_response("r", exc.status, exc.code, exc.message, exc.details)
            assert response.headers["retry-after"] == str(expected)


def test_405_carries_allow(client) -> None:
    for path, allowed in (("/predict", "POST"), ("/v2/health/ready", "GET")):
        response = client.request("PUT", path, headers=AUTH)
        assert response.status_code == 405 and response.json()["error"]["code"] == "method_not_allowed"
        assert allowed in response.headers["allow"]
    assert client.get("/predict", headers=AUTH).headers["allow"] == "POST"
