"""A sandbox with its default aging of 0 seconds has no restore window, and its 404 says how to open one."""

from __future__ import annotations

import httpx

from tests.sandbox.conftest import DEMO_IN, NUMBERS_IN, owned_sids


def test_without_a_window_the_404_names_the_settings_that_open_one(api: httpx.Client) -> None:
    sid = owned_sids(api)[0]
    assert api.delete(f"{NUMBERS_IN}/{sid}", auth=DEMO_IN).status_code == 202
    late = api.post(f"{NUMBERS_IN}/{sid}/Restore", auth=DEMO_IN)
    assert late.status_code == 404
    message = late.json()["RestException"]["Message"]
    assert message.endswith("more than the restore window of 0 seconds ago; "
                            "EXOPOOL_RESTORE_WINDOW_S or EXOPOOL_AGING_PERIOD_S opens one)"), message
