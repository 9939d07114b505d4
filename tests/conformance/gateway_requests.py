"""Sends one fixed sequence of requests to etcd's HTTP/JSON gateway on PORT
(curl's view: raw HTTP, no client library) and prints each answer as
"PATH STATUS JSON", with what differs between any two clusters (ids, terms,
sizes, versions) replaced by placeholders, so that etcd's and etcfsd's
outputs compare line by line, field by field.

    gateway_requests.py PORT
"""
import base64
import http.client
import json
import sys
import threading
import time

PORT = int(sys.argv[1])
b64 = lambda s: base64.b64encode(s.encode()).decode()
VARYING = {'cluster_id', 'member_id', 'raft_term', 'leader', 'raftTerm', 'raftIndex', 'raftAppliedIndex',
           'dbSize', 'dbSizeInUse', 'version', 'hash', 'blob', 'remaining_bytes', 'ID', 'peerURLs', 'clientURLs',
           'name', 'watch_id'}


def normalize(value, key=None):
    if isinstance(value, dict):
        return {k: normalize(v, k) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [normalize(v, key) for v in value]
    if key in ('error', 'message') and not str(value).startswith('etcdserver'):
        return '<the JSON parser says what is wrong, in its words>'
    return f'<{key}>' if key in VARYING else value


def post(path, body, stream_seconds=None):
    conn = http.client.HTTPConnection('127.0.0.1', PORT, timeout=10)
    conn.request('POST', path, body=body, headers={'Content-Type': 'application/json'})
    resp = conn.getresponse()
    if stream_seconds is None:
        text = resp.read().decode()
        conn.close()
        return resp.status, [text]
    # A stream: read its lines for a while, then hang up as a client would.
    lines = []
    conn.sock.settimeout(stream_seconds)
    try:
        while True:
            line = resp.fp.readline()
            if not line:
                break
            if line.strip() and not line.strip().isalnum():  # chunk sizes are hex digits
                lines.append(line.decode().strip())
    except OSError:
        pass
    conn.close()
    return resp.status, lines


def show(path, body, stream_seconds=None):
    status, texts = post(path, body, stream_seconds)
    for text in texts:
        try:
            shown = json.dumps(normalize(json.loads(text)), sort_keys=True)
        except ValueError:
            shown = repr(text)
        print(f'{path} {status} {shown}')


def main():
    show('/v3/kv/put', json.dumps({'key': b64('/gw/a'), 'value': b64('1')}))
    show('/v3/kv/put', json.dumps({'key': b64('/gw/a'), 'value': b64('2'), 'prev_kv': True}))
    show('/v3/kv/range', json.dumps({'key': b64('/gw/a')}))
    show('/v3beta/kv/range', json.dumps({'key': b64('/gw/'), 'range_end': b64('/gw0'), 'keys_only': True}))
    show('/v3/kv/range', json.dumps({'key': b64('/gw/a'), 'revision': '100'}))
    show('/v3/kv/range', json.dumps({'key': b64('/gw/a'), 'sort_order': 'BOGUS'}))
    show('/v3/kv/range', json.dumps({'key': b64('/gw/a'), 'unknown_field': 1}))
    show('/v3/kv/range', '{not json')
    show('/v3/kv/range', '')
    show('/v3/kv/txn', json.dumps({
        'compare': [{'key': b64('/gw/a'), 'result': 'EQUAL', 'target': 'VALUE', 'value': b64('2')}],
        'success': [{'request_range': {'key': b64('/gw/a')}}, {'request_put': {'key': b64('/gw/b'), 'value': b64('x')}},
                    {'request_range': {'key': b64('/gw/b')}}, {'request_delete_range': {'key': b64('/gw/none')}}]}))
    show('/v3/kv/deleterange', json.dumps({'key': b64('/gw/b'), 'prev_kv': True}))
    show('/v3/kv/compaction', json.dumps({'revision': '2'}))
    show('/v3/kv/compaction', json.dumps({'revision': '2'}))
    show('/v3/lease/grant', json.dumps({'TTL': '60', 'ID': '4242'}))
    show('/v3/lease/grant', json.dumps({'TTL': 60, 'ID': 4242}))
    show('/v3/kv/put', json.dumps({'key': b64('/gw/leased'), 'value': b64('v'), 'lease': '4242'}))
    show('/v3/kv/lease/timetolive', json.dumps({'ID': '4242', 'keys': True}))
    show('/v3/lease/leases', '{}')
    show('/v3/lease/keepalive', json.dumps({'ID': '4242'}) + '\n' + json.dumps({'ID': '4242'}), stream_seconds=3)
    show('/v3/lease/revoke', json.dumps({'ID': '4242'}))
    show('/v3/kv/lease/revoke', json.dumps({'ID': '4242'}))
    show('/v3/lease/keepalive', json.dumps({'ID': '4242'}), stream_seconds=3)

    # A watch stream: created, then the events of a put and a delete made
    # meanwhile. A cancel cannot come later than the body: the second watch
    # is canceled by the body's second object.
    def writes():
        time.sleep(0.7)
        post('/v3/kv/put', json.dumps({'key': b64('/gw/w'), 'value': b64('1')}))
        post('/v3/kv/deleterange', json.dumps({'key': b64('/gw/w')}))
    threading.Thread(target=writes).start()
    show('/v3/watch', json.dumps({'create_request': {'key': b64('/gw/w'), 'prev_kv': True}}), stream_seconds=2)
    show('/v3/watch', json.dumps({'create_request': {'key': b64('/gw/w'), 'watch_id': '7'}}) +
         json.dumps({'cancel_request': {'watch_id': '7'}}), stream_seconds=1)
    show('/v3/watch', json.dumps({'create_request': {'key': b64('/gw/w'), 'start_revision': '1'}}), stream_seconds=1)
    show('/v3/watch', '{"create_request": ', stream_seconds=1)

    show('/v3/maintenance/status', '{}')
    show('/v3/maintenance/alarm', json.dumps({'action': 'GET'}))
    show('/v3/maintenance/hash', '{}')
    show('/v3/cluster/member/list', '{}')
    show('/v3/cluster/member/remove', json.dumps({'ID': '1'}))
    status, lines = post('/v3/maintenance/snapshot', '{}', stream_seconds=5)
    last = json.loads(lines[-1])['result']
    print(f'/v3/maintenance/snapshot {status} {len(lines) > 0} last remaining_bytes={last.get("remaining_bytes", "0")}')


main()
