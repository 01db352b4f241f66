"""The documented Python client of PROTOCOL.md section A (python-socketio), instrumented for tests.

Usage: python-price-client.py URL API_KEY UPDATES TRANSPORT
Prints one JSON line per event ([name, data]); disconnects after UPDATES price updates.
TRANSPORT is "websocket" (the documented example) or "default" (polling, then upgrade).
"""
import json
import sys
import threading

import socketio

url, api_key, wanted, transport = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
sio = socketio.Client()
received = 0
# python-socketio may run handlers on several threads: one line at a time, none after the last wanted update.
lock = threading.Lock()


def emit_line(name, data):
    with lock:
        print(json.dumps([name, data]), flush=True)


@sio.on('initial-prices', namespace='/api-ws')
def on_initial_prices(data):
    emit_line('initial-prices', data)


@sio.on('price-update', namespace='/api-ws')
def on_price_update(data):
    global received
    with lock:
        if received >= wanted:
            return
        received += 1
        print(json.dumps(['price-update', data]), flush=True)
        done = received >= wanted
    if done:
        sio.disconnect()


@sio.on('connect_error', namespace='/api-ws')
def on_connect_error(data):
    emit_line('connect_error', data)


options = {'transports': ['websocket']} if transport == 'websocket' else {}
try:
    sio.connect(url, namespaces=['/api-ws'], auth={'apiKey': api_key}, **options)
except socketio.exceptions.ConnectionError as error:
    emit_line('connection_error', str(error))
    sys.exit(2)
sio.wait()
