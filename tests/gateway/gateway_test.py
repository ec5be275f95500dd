#!/usr/bin/python3
"""perftrack gateway, driven by an independent client: Python's websockets
(Debian's python3-websockets) and raw sockets for what a library will not send.

usage: gateway_test.py PATH/TO/perftrack
"""

import asyncio
import base64
import json
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import unittest

import websockets

PERFTRACK = None
WAIT = 20  # seconds; only a bound against hangs, never a measurement


class Gateway:
    """A `perftrack gateway` process on a free port of 127.0.0.1."""

    def __init__(self, store, *args):
        self.proc = subprocess.Popen(
            [PERFTRACK, "gateway", "--port", "0", "--store", "sqlite:" + store, *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        m = re.search(r"ws://127\.0\.0\.1:(\d+)/", line)
        if not m:
            self.proc.kill()
            raise AssertionError("gateway did not start: %r %r" % (line, self.proc.stderr.read()))
        self.port = int(m.group(1))
        self.url = "ws://127.0.0.1:%d/" % self.port

    def stop(self):
        """SIGTERM; returns (exit code, the rest of stdout)."""
        self.proc.send_signal(signal.SIGTERM)
        out, _ = self.proc.communicate(timeout=WAIT)
        return self.proc.returncode, out

    def kill(self):
        self.proc.kill()
        self.proc.communicate(timeout=WAIT)


async def request(ws, message):
    await ws.send(json.dumps(message))
    return await next_frame(ws)


async def next_frame(ws):
    return json.loads(await asyncio.wait_for(ws.recv(), WAIT))


async def register(url, agent, **kwargs):
    ws = await websockets.connect(url, max_size=None, **kwargs)
    reply = await request(ws, {"type": "register", "agent": agent})
    assert reply["type"] == "registered", reply
    return ws, reply


async def still_serving(url):
    """A fresh client gets a pong: the gateway serves everyone else."""
    async with websockets.connect(url) as ws:
        reply = await request(ws, {"type": "ping", "ref": "alive"})
        assert reply == {"type": "pong", "ref": "alive"}, reply


class RawClient:
    """A WebSocket client on a plain socket: sends exactly the bytes we say."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=WAIT)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((
            "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n" % key).encode())
        response = b""
        while b"\r\n\r\n" not in response:
            chunk = self.sock.recv(4096)
            assert chunk, "connection closed during the handshake"
            response += chunk
        assert response.startswith(b"HTTP/1.1 101"), response

    @staticmethod
    def frame(payload, opcode=1, declared=None):
        """A masked client frame; `declared` lies about the payload length."""
        n = len(payload) if declared is None else declared
        head = bytes([0x80 | opcode])
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + struct.pack("!H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack("!Q", n)
        mask = os.urandom(4)
        return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))

    def send_text(self, text):
        self.sock.sendall(self.frame(text.encode()))

    def close(self):
        self.sock.close()


class GatewayTest(unittest.IsolatedAsyncioTestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory(prefix="perftrack_gateway_")
        self.store = os.path.join(self.dir.name, "coord.db")
        self.gateway = Gateway(self.store, "--max-frame", "262144", "--max-queue", "1048576")

    def tearDown(self):
        if self.gateway.proc.poll() is None:
            code, out = self.gateway.stop()
            self.assertEqual(code, 0, out)
        self.dir.cleanup()

    async def test_register_send_receive_acknowledge(self):
        a, _ = await register(self.gateway.url, "a")
        b, _ = await register(self.gateway.url, "b")
        sent = await request(a, {"type": "send", "to": "b", "body": "hello", "ref": "r1"})
        self.assertEqual(sent["type"], "accepted")
        self.assertEqual(sent["ref"], "r1")
        got = await next_frame(b)
        self.assertEqual((got["type"], got["id"], got["from"], got["to"], got["body"]),
                         ("message", sent["id"], "a", "b", "hello"))
        self.assertRegex(got["sent_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        acked = await request(b, {"type": "ack", "id": got["id"]})
        self.assertEqual(acked, {"type": "acked", "count": 1})
        await a.close()
        await b.close()

    async def test_malformed_json_is_an_error_frame_and_the_connection_lives(self):
        a, _ = await register(self.gateway.url, "a")
        for bad in ["{not json", "", "[1,2,3]", '{"type":"send","to":"a"}', '{"type":"jump"}']:
            await a.send(bad)
            reply = await next_frame(a)
            self.assertEqual(reply["type"], "error", bad)
            self.assertIn(reply["code"], ("malformed_json", "bad_request"), bad)
            self.assertTrue(reply["message"], bad)
        await a.send(b"\x00\x01binary")
        self.assertEqual((await next_frame(a))["code"], "bad_request")
        self.assertEqual((await request(a, {"type": "ping"}))["type"], "pong")
        await a.close()
        await still_serving(self.gateway.url)

    async def test_requests_before_register_are_refused(self):
        async with websockets.connect(self.gateway.url) as ws:
            reply = await request(ws, {"type": "send", "to": "x", "body": "y", "ref": 5})
            self.assertEqual((reply["code"], reply["ref"]), ("not_registered", 5))
            self.assertIn("register", reply["message"])

    async def test_oversized_frame_closes_only_that_connection(self):
        a, _ = await register(self.gateway.url, "a")
        big = json.dumps({"type": "send", "to": "a", "body": "x" * 300000})
        await a.send(big)
        with self.assertRaises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(a.recv(), WAIT)
        self.assertEqual(closed.exception.code, 1009)  # message too big
        await still_serving(self.gateway.url)

    async def test_client_that_disconnects_mid_message(self):
        # A frame that announces 1,000 bytes, carries 10, and the socket closes;
        # then a fragmented message whose last fragment never comes.
        raw = RawClient(self.gateway.port)
        raw.sock.sendall(RawClient.frame(b'{"type":"p', declared=1000)[:16])
        raw.close()
        raw = RawClient(self.gateway.port)
        raw.sock.sendall(bytes([0x01, 0x80 | 5]) + b"\0\0\0\0" + b'{"typ')  # FIN=0
        raw.close()
        await still_serving(self.gateway.url)
        a, _ = await register(self.gateway.url, "a")
        self.assertEqual((await request(a, {"type": "ping"}))["type"], "pong")
        await a.close()

    async def test_slow_client_is_dropped_and_loses_no_accepted_message(self):
        # "slow" registers over a raw socket and never reads. The sender's messages
        # (about 30 MB) outgrow the gateway's 1 MiB queue for it: the gateway drops
        # that connection and keeps serving the sender and everyone else.
        slow = RawClient(self.gateway.port)
        slow.send_text(json.dumps({"type": "register", "agent": "slow"}))
        sender, _ = await register(self.gateway.url, "sender")
        # Wait until "slow" is registered (its reply sits unread in its socket).
        for _ in range(200):
            reply = await request(sender, {"type": "send", "to": "slow", "body": "probe"})
            if reply["type"] == "accepted":
                break
            await asyncio.sleep(0.05)
        self.assertEqual(reply["type"], "accepted", reply)
        accepted = {reply["id"]}
        body = "m" * 60000
        for i in range(500):
            await sender.send(json.dumps({"type": "send", "to": "slow", "body": body, "ref": i}))
        for i in range(500):
            reply = await next_frame(sender)
            self.assertEqual((reply["type"], reply["ref"]), ("accepted", i))
            accepted.add(reply["id"])
        await still_serving(self.gateway.url)
        slow.close()

        # Back, it gets every accepted message that it has not acknowledged.
        back, reg = await register(self.gateway.url, "slow")
        self.assertEqual(reg["pending"], len(accepted))
        delivered = set()
        while len(delivered) < len(accepted):
            m = await next_frame(back)
            self.assertEqual(m["type"], "message")
            delivered.add(m["id"])
        self.assertEqual(delivered, accepted)
        reply = await request(back, {"type": "ack", "ids": sorted(delivered)[:1000]})
        self.assertEqual(reply["count"], len(accepted))
        await back.close()
        await sender.close()
        code, out = self.gateway.stop()
        self.assertEqual(code, 0)
        self.assertRegex(out, r"[1-9]\d* slow clients dropped")

    async def test_broadcast_and_redelivery_after_a_killed_gateway(self):
        a, _ = await register(self.gateway.url, "a")
        others = [(await register(self.gateway.url, "b%d" % i))[0] for i in range(5)]
        for o in others:
            await o.close()
        reply = await request(a, {"type": "send", "to": "*", "body": "all hands"})
        self.assertEqual(reply, {"type": "accepted", "recipients": 5})
        await a.close()
        # Accepted means stored: a gateway killed with SIGKILL loses none of it.
        self.gateway.kill()
        self.gateway = Gateway(self.store)
        for i in range(5):
            b, reg = await register(self.gateway.url, "b%d" % i)
            self.assertEqual(reg["pending"], 1)
            self.assertEqual((await next_frame(b))["body"], "all hands")
            await b.close()

    async def test_port_in_use_is_one_clear_error(self):
        second = subprocess.run(
            [PERFTRACK, "gateway", "--port", str(self.gateway.port), "--store",
             "sqlite:" + self.store], capture_output=True, text=True, timeout=WAIT)
        self.assertEqual(second.returncode, 2)
        self.assertIn("is in use", second.stderr)
        self.assertIn("--port", second.stderr)


if __name__ == "__main__":
    PERFTRACK = sys.argv.pop(1)
    unittest.main(verbosity=2)
