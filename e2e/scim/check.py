"""Runs the outside SCIM compliance suite (scim2-tester, PyPI) against a
running Muster with a SCIM token, and fails on any failed check.

scim2-tester invents users at random `@<uuid>.com` addresses, which Muster
rightly refuses (members belong to the enterprise's domain), so its value
generator is wrapped to give `userName` and `emails.value` addresses in the
test enterprise's domain; everything else is the suite as published.
usage: check.py SCIM_BASE_URL TOKEN DOMAIN"""
import sys
import uuid

from httpx2 import Client
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server
from scim2_tester import filling
from scim2_tester.checkers import patch_add, patch_replace

url, token, domain = sys.argv[1:4]
generate = filling.generate_random_value


def in_domain(context, path, mutability=None, required=None):
    value = generate(context, path, mutability=mutability, required=required)
    if value is not None and str(path).lower().endswith(("username", "emails.value")):
        address = f"{uuid.uuid4().hex[:16]}@{domain}"
        return [address] if isinstance(value, list) else address
    return value


for module in (filling, patch_add, patch_replace):
    module.generate_random_value = in_domain

client = SyncSCIMClient(Client(base_url=url, headers={"Authorization": f"Bearer {token}"}))
results = check_server(client)
failed = [r for r in results if r.status in (Status.ERROR, Status.CRITICAL)]
for r in results:
    print(f"{r.status.name:<10} {r.resource_type or '':<6} {r.title}: {r.reason}")
print(f"[scim] {len(results)} checks, {len(failed)} failed")
sys.exit(1 if failed or not results else 0)
