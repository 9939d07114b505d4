"""python3-etcd3gw (a real client of etcd's HTTP/JSON gateway) driving one
endpoint's /v3/ paths: prints what the client returns for a fixed workload,
ids left out, so that etcd's and etcfsd's outputs compare.

    python_etcd3gw_client.py PORT
"""
import sys
import threading
import time

from etcd3gw.client import Etcd3Client


def main():
    c = Etcd3Client(host='127.0.0.1', port=int(sys.argv[1]), api_path='/v3/', timeout=10)
    out = []
    out.append(f'put: {c.put("/gw/a", "1")}')
    out.append(f'create existing: {c.create("/gw/a", "x")}')
    out.append(f'create new: {c.create("/gw/b", "2")}')
    out.append(f'get: {c.get("/gw/a")}')
    out.append(f'get missing: {c.get("/gw/none")}')
    out.append('get_prefix: ' + ', '.join(f'{m["key"]}={v}' for v, m in c.get_prefix('/gw/')))
    out.append(f'replace 1->3: {c.replace("/gw/a", "1", "3")}')
    out.append(f'replace 1->4: {c.replace("/gw/a", "1", "4")}')
    lease = c.lease(ttl=60)
    c.put('/gw/leased', 'v', lease=lease)
    out.append(f'lease keys: {lease.keys()}')
    out.append(f'lease ttl in (50, 60]: {50 < lease.ttl() <= 60}')
    out.append(f'lease refresh: {lease.refresh()}')
    out.append(f'lease revoke: {lease.revoke()}')
    out.append(f'after revoke: {c.get("/gw/leased")}')

    # A watch through the gateway's stream, woken by a put from another thread.
    def later():
        time.sleep(0.5)
        c.put('/gw/watched', 'hello')
    threading.Thread(target=later).start()
    event = c.watch_once('/gw/watched', timeout=10)
    out.append(f'watch_once: {event["kv"]["key"]}={event["kv"]["value"]} type={event.get("type", "PUT")}')
    events, cancel = c.watch_prefix('/gw/')
    c.delete('/gw/b')
    first = next(events)
    cancel()
    out.append(f'watch_prefix: {first.get("type")} {first["kv"]["key"]}')

    lock = c.lock(ttl=30)
    out.append(f'lock acquire: {lock.acquire()} held: {lock.is_acquired()} release: {lock.release()}')
    out.append(f'delete missing: {c.delete("/gw/none")}')
    out.append(f'delete_prefix: {c.delete_prefix("/gw/")}')
    out.append(f'members: {len(c.members())}')
    out.append(f'status has a leader: {"leader" in c.status()}')
    print('\n'.join(out))


main()
