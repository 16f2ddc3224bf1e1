"""Security jargon a hospital reader may not know, each with a plain alternative.

The list is deliberately short and concrete: terms that appear in real device advisories and
have an everyday way to say them. Matching is case-insensitive on whole words; a longer term
wins over a shorter one it contains ("remote code execution" before "code execution").
Extend it here; ``docs/advisories.md`` prints the same table.
"""

from __future__ import annotations

from typing import Final

JARGON: Final[dict[str, str]] = {
    "arbitrary code": "any program an attacker chooses",
    "attack surface": "the ways in which the device can be reached",
    "attack vector": "the way an attack reaches the device",
    "authentication bypass": "getting in without a valid password",
    "buffer overflow": "a programming error that lets an attacker overwrite memory",
    "cleartext": "unencrypted",
    "code execution": "running programs on the device",
    "command injection": "tricking the device into running commands",
    "cross-site scripting": "a web page trick that runs an attacker's script in your browser",
    "csrf": "a web page trick that makes your browser act on your behalf",
    "cvss": "severity score",
    "denial of service": "stopping the device or service from working",
    "denial-of-service": "stopping the device or service from working",
    "deserialization": "reading data into the program",
    "dos": "stopping the device or service from working",
    "escalate privileges": "gain more rights than the account should have",
    "exfiltrate": "copy out without permission",
    "exfiltration": "copying data out without permission",
    "exploit": "attack that uses the weakness",
    "exploitable": "open to attack",
    "exploitation": "use of the weakness in an attack",
    "exploited": "used in an attack",
    "hard-coded credentials": "a built-in password that cannot be changed",
    "hardcoded credentials": "a built-in password that cannot be changed",
    "heap overflow": "a programming error that lets an attacker overwrite memory",
    "in the wild": "already used by attackers",
    "lateral movement": "an attacker spreading from one computer to others in the network",
    "man-in-the-middle": "someone secretly intercepting the connection",
    "memory corruption": "a programming error that damages the program's memory",
    "mitigation": "step that lowers the risk",
    "mitigations": "steps that lower the risk",
    "out-of-bounds": "outside the memory the program should use",
    "path traversal": "reaching files that should be off limits",
    "payload": "the attacker's code or data",
    "privilege escalation": "gaining more rights than the account should have",
    "race condition": "a timing error in the program",
    "rce": "an attacker can run their own programs on the device",
    "remediation": "fix",
    "remote code execution": "an attacker can run their own programs on the device remotely",
    "sql injection": "tricking the database into running commands",
    "threat actor": "attacker",
    "unauthenticated": "without logging in",
    "use-after-free": "a programming error in how memory is released",
    "vector string": "score details",
    "xss": "a web page trick that runs an attacker's script in your browser",
    "zero-day": "a weakness that has no fix yet",
}
