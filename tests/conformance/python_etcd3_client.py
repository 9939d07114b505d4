"""python3-etcd3 (a real gRPC client of etcd's v3 API) driving one endpoint.

    python_etcd3_client.py PORT ops    prints what the client returns for a
                                       fixed workload, ids and hashes left out,
                                       so that etcd's and etcfsd's outputs compare
    python_etcd3_client.py PORT hash   prints Maintenance.Hash's answer
"""
import sys

import etcd3


def ops(c):
    out = []
    c.put('/py/a', '1')
    c.put('/py/b', '2')
    value, meta = c.get('/py/a')
    out.append(f'get /py/a: {value!r} version={meta.version}')
    out.append('prefix: ' + ', '.join(f'{m.key.decode()}={v.decode()}' for v, m in c.get_prefix('/py/')))
    out.append(f'put_if_not_exists existing: {c.put_if_not_exists("/py/a", "x")}')
    out.append(f'replace 1->3: {c.replace("/py/a", "1", "3")}')
    ok, responses = c.transaction(
        compare=[c.transactions.value('/py/a') == '3'],
        success=[c.transactions.put('/py/c', '4'), c.transactions.get('/py/b')],
        failure=[])
    out.append(f'txn: {ok} {len(responses)} responses')
    lease = c.lease(60)
    c.put('/py/leased', 'v', lease=lease)
    out.append(f'lease ttl granted: {lease.granted_ttl}, keys {sorted(k.decode() for k in lease.keys)}')
    lease.revoke()
    out.append(f'after revoke: {c.get("/py/leased")[0]!r}')
    out.append(f'delete_prefix: {c.delete_prefix("/py/").deleted}')
    out.append(f'members: {len(list(c.members))}')
    out.append(f'alarms: {list(c.list_alarms())}')
    status = c.status()
    out.append(f'status: leader is a member {status.leader.id in [m.id for m in c.members]}')
    out.append(f'hash is an int: {isinstance(c.hash(), int)}')
    return out


def main():
    port, mode = sys.argv[1], sys.argv[2]
    c = etcd3.client(host='127.0.0.1', port=int(port), timeout=10)
    if mode == 'ops':
        print('\n'.join(ops(c)))
    elif mode == 'hash':
        print(c.hash())
    else:
        sys.exit(f'unknown mode {mode}')


main()
