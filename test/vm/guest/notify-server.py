#!/usr/bin/python3
# A minimal freedesktop notification server for the systemd guest (test/vm/guest/notify.mjs):
# owns org.freedesktop.Notifications on the session bus it is started on and writes each
# Notify call as a JSON line to the file named by its argument, with the uid of the caller as
# the bus daemon knows it. Needs python3-dbus and gi. Also used on the host by
# test/guard/notify.test.ts, on a private bus of another user.
import json
import sys

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
OUT = sys.argv[1]
IFACE = 'org.freedesktop.Notifications'


class Server(dbus.service.Object):
    def __init__(self, bus):
        super().__init__(bus, '/org/freedesktop/Notifications')
        self.session = bus
        self.n = 0

    @dbus.service.method(IFACE, in_signature='susssasa{sv}i', out_signature='u', sender_keyword='sender')
    def Notify(self, app, replaces, icon, summary, body, actions, hints, timeout, sender=None):
        self.n += 1
        urgency = int(hints['urgency']) if 'urgency' in hints else None
        with open(OUT, 'a') as f:
            f.write(json.dumps({'app': str(app), 'summary': str(summary), 'body': str(body), 'urgency': urgency, 'timeout': int(timeout), 'uid': int(self.session.get_unix_user(sender))}) + '\n')
        return dbus.UInt32(self.n)

    @dbus.service.method(IFACE, out_signature='as')
    def GetCapabilities(self):
        return ['body']

    @dbus.service.method(IFACE, out_signature='ssss')
    def GetServerInformation(self):
        return ('oomtop-test', 'oomtop', '1', '1.2')


bus = dbus.SessionBus()
name = dbus.service.BusName(IFACE, bus)
server = Server(bus)
open(OUT + '.ready', 'w').close()
GLib.MainLoop().run()
