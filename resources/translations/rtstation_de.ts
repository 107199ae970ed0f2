<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de">
<context>
    <name>App</name>
    <message>
        <location filename="../../rtstation/gui/app.py" line="+152"/>
        <source>rtstation</source>
        <translation>rtstation</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The station could not be opened.</source>
        <translation>Die Station konnte nicht geöffnet werden.</translation>
    </message>
</context>
<context>
    <name>ArchiveActions</name>
    <message>
        <location filename="../../rtstation/gui/dialogs/archive_actions.py" line="+23"/>
        <source>&amp;Retrieve from an archive...</source>
        <translation>Aus einem &amp;Archiv abrufen...</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>S&amp;tore a folder to a node...</source>
        <translation>Ordner an einen Knoten &amp;senden...</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>&amp;Check connections...</source>
        <translation>&amp;Verbindungen prüfen...</translation>
    </message>
</context>
<context>
    <name>BatchDialog</name>
    <message>
        <location filename="../../rtstation/gui/dialogs/batch_dialog.py" line="+70"/>
        <source>Batch extraction</source>
        <translation>Stapelexport</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>extraction file (.yml, .yaml, .toml)</source>
        <translation>Exportdatei (.yml, .yaml, .toml)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Browse…</source>
        <translation>Durchsuchen…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Load</source>
        <translation>Laden</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>#</source>
        <translation>Nr.</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Request</source>
        <translation>Anfrage</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>State</source>
        <translation>Zustand</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Start</source>
        <translation>Starten</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+45"/>
        <source>Pause</source>
        <translation>Anhalten</translation>
    </message>
    <message>
        <location line="-44"/>
        <source>Stop</source>
        <translation>Beenden</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Close</source>
        <translation>Schließen</translation>
    </message>
    <message>
        <location line="+43"/>
        <source>Resume</source>
        <translation>Fortsetzen</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Loading…</source>
        <translation>Wird geladen…</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Open an extraction file</source>
        <translation>Exportdatei öffnen</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Extraction files (*.yml *.yaml *.toml);;All files (*)</source>
        <translation>Exportdateien (*.yml *.yaml *.toml);;Alle Dateien (*)</translation>
    </message>
    <message>
        <location line="+32"/>
        <source>%1 %2 requests to %3; output in %4</source>
        <translation>%1-Anfragen (Ebene %2) an %3; Ausgabe in %4</translation>
    </message>
    <message>
        <location line="+18"/>
        <location line="+95"/>
        <source>done before</source>
        <translation>schon erledigt</translation>
    </message>
    <message>
        <location line="-95"/>
        <source>to do</source>
        <translation>offen</translation>
    </message>
    <message numerus="yes">
        <location line="+7"/>
        <source>%n request(s), %1 done before</source>
        <translation>
            <numerusform>%n Anfrage, %1 schon erledigt</numerusform>
            <numerusform>%n Anfragen, %1 schon erledigt</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+78"/>
        <source>done: %n instance(s)</source>
        <translation>
            <numerusform>fertig: %n Instanz</numerusform>
            <numerusform>fertig: %n Instanzen</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+2"/>
        <source>done: %n match(es)</source>
        <translation>
            <numerusform>fertig: %n Treffer</numerusform>
            <numerusform>fertig: %n Treffer</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+12"/>
        <source>Outside the schedule window: waiting %n min</source>
        <translation>
            <numerusform>Außerhalb des Zeitfensters: wartet %n Minute</numerusform>
            <numerusform>Außerhalb des Zeitfensters: wartet %n Minuten</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+7"/>
        <source>Paused: %n request(s) finished in this run</source>
        <translation>
            <numerusform>Angehalten: %n Anfrage in diesem Lauf beendet</numerusform>
            <numerusform>Angehalten: %n Anfragen in diesem Lauf beendet</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+12"/>
        <source>%1 done, %2 failed, %3 done before, %4 not started; %n instance(s)</source>
        <translation>
            <numerusform>%1 fertig, %2 fehlgeschlagen, %3 schon erledigt, %4 nicht begonnen; %n Instanz</numerusform>
            <numerusform>%1 fertig, %2 fehlgeschlagen, %3 schon erledigt, %4 nicht begonnen; %n Instanzen</numerusform>
        </translation>
    </message>
    <message>
        <location line="-72"/>
        <location line="+9"/>
        <source>Running…</source>
        <translation>Läuft…</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Pausing after the requests on the wire…</source>
        <translation>Hält nach den laufenden Anfragen an…</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Stopping after the requests on the wire…</source>
        <translation>Endet nach den laufenden Anfragen…</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>running</source>
        <translation>läuft</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>failed: %1</source>
        <translation>fehlgeschlagen: %1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>interrupted (sent again next time)</source>
        <translation>unterbrochen (wird beim nächsten Lauf erneut gesendet)</translation>
    </message>
    <message>
        <location line="+69"/>
        <source>&amp;Batch extraction...</source>
        <translation>&amp;Stapelexport...</translation>
    </message>
</context>
<context>
    <name>CloseController</name>
    <message>
        <location filename="../../rtstation/gui/controllers/close_controller.py" line="+67"/>
        <source>Send jobs are not finished</source>
        <translation>Sendeaufträge sind nicht fertig</translation>
    </message>
    <message numerus="yes">
        <location line="+1"/>
        <source>%n send job(s) are not finished yet.</source>
        <translation>
            <numerusform>%n Sendeauftrag ist noch nicht fertig.</numerusform>
            <numerusform>%n Sendeaufträge sind noch nicht fertig.</numerusform>
        </translation>
    </message>
    <message>
        <location line="+2"/>
        <source>If you quit now, the item being sent is finished first; the remaining jobs stay in the queue and resume the next time rtstation starts. Nothing is sent twice.</source>
        <translation>Wenn Sie jetzt beenden, wird das gerade gesendete Objekt noch fertig übertragen; die übrigen Aufträge bleiben in der Warteschlange und laufen beim nächsten Start von rtstation weiter. Nichts wird doppelt gesendet.</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>This desktop has no system tray, so rtstation cannot keep running without its window.</source>
        <translation>Diese Arbeitsumgebung hat keinen Infobereich (System-Tray), daher kann rtstation ohne sein Fenster nicht weiterlaufen.</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Quit when the queue is finished</source>
        <translation>Beenden, wenn die Warteschlange fertig ist</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Keep running in the tray</source>
        <translation>Im Infobereich weiterlaufen</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Quit now</source>
        <translation>Jetzt beenden</translation>
    </message>
</context>
<context>
    <name>ConfigController</name>
    <message>
        <location filename="../../rtstation/gui/controllers/config_controller.py" line="+79"/>
        <source>The settings were saved, but the DICOM receiver could not start.</source>
        <translation>Die Einstellungen wurden gespeichert, aber der DICOM-Empfänger konnte nicht starten.</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>The settings could not be saved.</source>
        <translation>Die Einstellungen konnten nicht gespeichert werden.</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>The rules could not be saved.</source>
        <translation>Die Regeln konnten nicht gespeichert werden.</translation>
    </message>
</context>
<context>
    <name>ConfigReason</name>
    <message>
        <location filename="../../rtstation/gui/dialogs/_reasons.py" line="+14"/>
        <source>must be text</source>
        <translation>muss Text sein</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>must not be empty</source>
        <translation>darf nicht leer sein</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>must not be only spaces</source>
        <translation>darf nicht nur aus Leerzeichen bestehen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>must not contain a backslash</source>
        <translation>darf keinen Backslash enthalten</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>must not contain control characters</source>
        <translation>darf keine Steuerzeichen enthalten</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>must only contain ASCII characters</source>
        <translation>darf nur ASCII-Zeichen enthalten</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>must not exceed 16 characters</source>
        <translation>darf höchstens 16 Zeichen lang sein</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>must not exceed 64 characters</source>
        <translation>darf höchstens 64 Zeichen lang sein</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>must not contain spaces</source>
        <translation>darf keine Leerzeichen enthalten</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>must not contain a NUL character</source>
        <translation>darf kein NUL-Zeichen enthalten</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>must not contain a comma (rules list node names separated by commas)</source>
        <translation>darf kein Komma enthalten (Regeln trennen Knotennamen durch Kommas)</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>must be a whole number from 1 to 65535</source>
        <translation>muss eine ganze Zahl von 1 bis 65535 sein</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>must be a whole number from 0 to 10000000</source>
        <translation>muss eine ganze Zahl von 0 bis 10000000 sein</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>must be a whole number from 1 to 1000</source>
        <translation>muss eine ganze Zahl von 1 bis 1000 sein</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>must be a whole number from 1 to 64</source>
        <translation>muss eine ganze Zahl von 1 bis 64 sein</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>must be a number from 0 to 86400</source>
        <translation>muss eine Zahl von 0 bis 86400 sein</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>must be a number from 0.1 to 86400</source>
        <translation>muss eine Zahl von 0.1 bis 86400 sein</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>must be a number from 0.1 to 604800</source>
        <translation>muss eine Zahl von 0.1 bis 604800 sein</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>must fit on one line</source>
        <translation>muss in eine Zeile passen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>must not start or end with spaces</source>
        <translation>darf nicht mit Leerzeichen beginnen oder enden</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>cannot be saved: &apos;#&apos; or &apos;;&apos; at the start or after a space starts a comment</source>
        <translation>kann nicht gespeichert werden: &apos;#&apos; oder &apos;;&apos; am Anfang oder nach einem Leerzeichen beginnt einen Kommentar</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>must not be empty for an enabled node</source>
        <translation>darf bei einem aktiven Knoten nicht leer sein</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>must be an IP address of this computer, such as 0.0.0.0 (every network interface) or 127.0.0.1 (this computer only)</source>
        <translation>muss eine IP-Adresse dieses Computers sein, etwa 0.0.0.0 (alle Netzwerkschnittstellen) oder 127.0.0.1 (nur dieser Computer)</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>must be a host name or an IP address, not a URL; write only the host (such as pacs.example.org) and put the port in the port key</source>
        <translation>muss ein Hostname oder eine IP-Adresse sein, keine URL; geben Sie nur den Host an (etwa pacs.example.org) und den Port im Feld Port</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>must not have an empty part between two dots</source>
        <translation>darf zwischen zwei Punkten keinen leeren Teil haben</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>must be a host name (letters, digits, &apos;-&apos;, &apos;_&apos; and dots) or an IP address</source>
        <translation>muss ein Hostname (Buchstaben, Ziffern, &apos;-&apos;, &apos;_&apos; und Punkte) oder eine IP-Adresse sein</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>is not a valid IPv4 address</source>
        <translation>ist keine gültige IPv4-Adresse</translation>
    </message>
</context>
<context>
    <name>CoreText</name>
    <message>
        <location filename="../../rtstation/gui/core_phrases.py" line="+19"/>
        <location filename="../../rtstation/gui/core_text.py" line="+56"/>
        <source>Stopped</source>
        <translation>Gestoppt</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Listening as %1 on port %2</source>
        <translation>Empfangsbereit als %1 auf Port %2</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Port %1 is already in use by another program: stop it, or choose another port in the receiver settings</source>
        <translation>Port %1 wird bereits von einem anderen Programm verwendet: Beenden Sie es oder wählen Sie in den Empfänger-Einstellungen einen anderen Port</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Permission denied to listen on port %1: ports below 1024 need administrator rights; use a port such as 11112</source>
        <translation>Keine Berechtigung, auf Port %1 zu lauschen: Ports unter 1024 brauchen Administratorrechte; verwenden Sie einen Port wie 11112</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Cannot listen on port %1</source>
        <translation>Auf Port %1 kann nicht gelauscht werden</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>All rules are switched off in rules.ini [General] rules_enabled.</source>
        <translation>Alle Regeln sind in rules.ini [General] rules_enabled ausgeschaltet.</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>all rules are switched off in rules.ini [General] rules_enabled</source>
        <translation>alle Regeln sind in rules.ini [General] rules_enabled ausgeschaltet</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>No forwarding rules are configured in rules.ini.</source>
        <translation>In rules.ini sind keine Weiterleitungsregeln eingerichtet.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>rule is disabled</source>
        <translation>Regel ist deaktiviert</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Rule &quot;%1&quot;: matched, but it has no target nodes</source>
        <translation>Regel „%1“: trifft zu, hat aber keine Zielknoten</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Rule &quot;%1&quot;: matched -&gt; %2</source>
        <translation>Regel „%1“: trifft zu -&gt; %2</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Rule &quot;%1&quot;: not matched: %2</source>
        <translation>Regel „%1“: trifft nicht zu: %2</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>source AE %1 (any source accepted)</source>
        <translation>Quell-AE %1 (jede Quelle erlaubt)</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>source AE %1 is not one of %2</source>
        <translation>Quell-AE %1 ist keiner von %2</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>source AE %1 is not %2</source>
        <translation>Quell-AE %1 ist nicht %2</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>source AE %1</source>
        <translation>Quell-AE %1</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>label %1 contains the excluded %2</source>
        <translation>Label %1 enthält das ausgeschlossene %2</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>label %1 does not contain the excluded %2</source>
        <translation>Label %1 enthält das ausgeschlossene %2 nicht</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>label %1 does not contain %2</source>
        <translation>Label %1 enthält %2 nicht</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>label %1 contains %2</source>
        <translation>Label %1 enthält %2</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>label %1 does not match plan_label_regex %2</source>
        <translation>Label %1 passt nicht zu plan_label_regex %2</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>label %1 matches plan_label_regex %2</source>
        <translation>Label %1 passt zu plan_label_regex %2</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>name %1 does not match plan_name_regex %2</source>
        <translation>Name %1 passt nicht zu plan_name_regex %2</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>name %1 matches plan_name_regex %2</source>
        <translation>Name %1 passt zu plan_name_regex %2</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>%1 %2 is not a valid regular expression (%3)</source>
        <translation>%1 %2 ist kein gültiger regulärer Ausdruck (%3)</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>%1 %2 could not be applied (%3)</source>
        <translation>%1 %2 konnte nicht angewendet werden (%3)</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>it took longer than %1 s on this text: it backtracks</source>
        <translation>die Suche dauerte bei diesem Text länger als %1 s: der Ausdruck erzeugt zu viel Backtracking</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>plan is APPROVED</source>
        <translation>Plan ist APPROVED (freigegeben)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>approval status is %1, rule requires APPROVED</source>
        <translation>Freigabestatus ist %1, die Regel verlangt APPROVED</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>treatment machine %1 is listed</source>
        <translation>Bestrahlungsgerät %1 ist aufgeführt</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>plan names no treatment machine, rule requires one of %1</source>
        <translation>Plan nennt kein Bestrahlungsgerät, die Regel verlangt eines von %1</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>treatment machine %1 is not one of %2</source>
        <translation>Bestrahlungsgerät %1 ist keines von %2</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>plan intent %1 is listed</source>
        <translation>Planintention %1 ist aufgeführt</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>plan intent %1 is not one of %2</source>
        <translation>Planintention %1 ist keine von %2</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>%1 present</source>
        <translation>%1 vorhanden</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>no %1 yet (rule requires %2)</source>
        <translation>%1 fehlt noch (Regel verlangt %2)</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>%1 (rule requires %2)</source>
        <translation>%1 (Regel verlangt %2)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>dose</source>
        <translation>Dosis</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>structure set</source>
        <translation>Structure Set</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>plan</source>
        <translation>Plan</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>RT image</source>
        <translation>RT-Bild</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>treatment record</source>
        <translation>Bestrahlungsprotokoll</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>a dose</source>
        <translation>eine Dosis</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>a structure set</source>
        <translation>ein Structure Set</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>a plan</source>
        <translation>ein Plan</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>an RT image</source>
        <translation>ein RT-Bild</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>a treatment record</source>
        <translation>ein Bestrahlungsprotokoll</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1 images</source>
        <translation>%1-Bilder</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>an instance of modality %1</source>
        <translation>eine Instanz der Modalität %1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>%1 missing</source>
        <translation>%1 fehlt</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>references</source>
        <translation>Referenzen</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>connection refused (nothing listening on %1)</source>
        <translation>Verbindung abgelehnt (auf %1 lauscht niemand)</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>connection refused (nothing is listening there)</source>
        <translation>Verbindung abgelehnt (dort lauscht niemand)</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>the receiver at %1 cannot be reached on the network</source>
        <translation>der Empfänger unter %1 ist im Netzwerk nicht erreichbar</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>the receiver cannot be reached on the network</source>
        <translation>der Empfänger ist im Netzwerk nicht erreichbar</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>timed out: the receiver at %1 did not answer in time</source>
        <translation>Zeitüberschreitung: der Empfänger unter %1 hat nicht rechtzeitig geantwortet</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>timed out: the receiver did not answer in time</source>
        <translation>Zeitüberschreitung: der Empfänger hat nicht rechtzeitig geantwortet</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>association aborted by the receiver at %1</source>
        <translation>Assoziation vom Empfänger unter %1 abgebrochen</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>association aborted by the receiver</source>
        <translation>Assoziation vom Empfänger abgebrochen</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>the destination settings cannot be used</source>
        <translation>die Einstellungen des Ziels sind nicht verwendbar</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>association rejected by the peer for now</source>
        <translation>Assoziation von der Gegenstelle vorerst abgelehnt</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>association rejected by the peer</source>
        <translation>Assoziation von der Gegenstelle abgelehnt</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>the receiver does not accept this kind of object</source>
        <translation>der Empfänger nimmt diese Art von Objekt nicht an</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>the receiver does not accept %1</source>
        <translation>der Empfänger nimmt %1 nicht an</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>the receiver did not answer the request</source>
        <translation>der Empfänger hat die Anfrage nicht beantwortet</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>stored</source>
        <translation>gespeichert</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>the receiver failed while processing the instance</source>
        <translation>beim Empfänger ist die Verarbeitung der Instanz fehlgeschlagen</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>the receiver says the instance is invalid</source>
        <translation>der Empfänger meldet, die Instanz sei ungültig</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>the receiver does not support this kind of object</source>
        <translation>der Empfänger unterstützt diese Art von Objekt nicht</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>the receiver says this station is not authorised to store there</source>
        <translation>der Empfänger meldet, diese Station dürfe dort nicht speichern</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>the receiver saw a duplicate request</source>
        <translation>der Empfänger hat eine doppelte Anfrage erhalten</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>the receiver did not recognise the request</source>
        <translation>der Empfänger hat die Anfrage nicht erkannt</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>the receiver says an argument was mistyped</source>
        <translation>der Empfänger meldet ein falsch typisiertes Argument</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>the receiver stored the instance with a warning</source>
        <translation>der Empfänger hat die Instanz mit einer Warnung gespeichert</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>the receiver stored the instance but reported an attribute list error</source>
        <translation>der Empfänger hat die Instanz gespeichert, meldet aber einen Fehler in der Attributliste</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>the receiver stored the instance but reported a value out of range</source>
        <translation>der Empfänger hat die Instanz gespeichert, meldet aber einen Wert außerhalb des Bereichs</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>the receiver stored the instance but changed some data elements</source>
        <translation>der Empfänger hat die Instanz gespeichert, aber einige Datenelemente geändert</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>the receiver stored the instance but discarded some data elements</source>
        <translation>der Empfänger hat die Instanz gespeichert, aber einige Datenelemente verworfen</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>the receiver stored the instance but says it does not match its SOP class</source>
        <translation>der Empfänger hat die Instanz gespeichert, meldet aber, sie passe nicht zu ihrer SOP-Klasse</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>the receiver is out of resources</source>
        <translation>dem Empfänger fehlen Ressourcen</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>the receiver is at its resource limit</source>
        <translation>der Empfänger ist an seiner Ressourcengrenze</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>the receiver says the data does not match its SOP class</source>
        <translation>der Empfänger meldet, die Daten passten nicht zu ihrer SOP-Klasse</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>the receiver cannot understand the data</source>
        <translation>der Empfänger kann die Daten nicht verstehen</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>the receiver answered with an unknown status</source>
        <translation>der Empfänger hat mit einem unbekannten Status geantwortet</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>gave up after %1 attempts</source>
        <translation>nach %1 Versuchen aufgegeben</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>%1 of %2 items failed</source>
        <translation>%1 von %2 Objekten fehlgeschlagen</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>%1 (and %2 other reasons)</source>
        <translation>%1 (und %2 weitere Gründe)</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>%1 of %2 items were not sent</source>
        <translation>%1 von %2 Objekten wurden nicht gesendet</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>delivered %1 of %2 instances, %3 already there</source>
        <translation>%1 von %2 Instanzen zugestellt, %3 waren schon vorhanden</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>delivered %1 of %2 instances</source>
        <translation>%1 von %2 Instanzen zugestellt</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>nothing to send: all %1 instances were already delivered to %2</source>
        <translation>nichts zu senden: alle %1 Instanzen wurden bereits an %2 zugestellt</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>queued %1 instances (%2 already delivered, skipped) (forced: sending again what was delivered before)</source>
        <translation>%1 Instanzen eingereiht (%2 bereits zugestellt, übersprungen) (erzwungen: bereits Zugestelltes wird erneut gesendet)</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>queued %1 instances (%2 already delivered, skipped)</source>
        <translation>%1 Instanzen eingereiht (%2 bereits zugestellt, übersprungen)</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>queued %1 instances (forced: sending again what was delivered before)</source>
        <translation>%1 Instanzen eingereiht (erzwungen: bereits Zugestelltes wird erneut gesendet)</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>queued %1 instances</source>
        <translation>%1 Instanzen eingereiht</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>queued: %1 of %2 instances to send</source>
        <translation>eingereiht: %1 von %2 Instanzen zu senden</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>taken over from %1: its lease expired</source>
        <translation>übernommen von %1: dessen Reservierung ist abgelaufen</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>sending (attempt %1 of %2)</source>
        <translation>wird gesendet (Versuch %1 von %2)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>sending %1 of %2</source>
        <translation>sende %1 von %2</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>done: %1 of %2 instances delivered</source>
        <translation>erledigt: %1 von %2 Instanzen zugestellt</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>resumed after a restart: the last send was cut off</source>
        <translation>nach einem Neustart fortgesetzt: das letzte Senden wurde unterbrochen</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>retry requested</source>
        <translation>erneuter Versuch angefordert</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1 is paused</source>
        <translation>%1 ist pausiert</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>retrying at %1 because %2</source>
        <translation>neuer Versuch um %1, weil: %2</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>retrying: %1</source>
        <translation>neuer Versuch: %1</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>failed because %1</source>
        <translation>fehlgeschlagen: %1</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>failed: %1</source>
        <translation>fehlgeschlagen: %1</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>the peer answered with status 0x0000 (success) in %1 ms</source>
        <translation>die Gegenstelle hat in %1 ms mit Status 0x0000 (Erfolg) geantwortet</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>the peer answered the echo with status %1</source>
        <translation>die Gegenstelle hat das Echo mit Status %1 beantwortet</translation>
    </message>
    <message>
        <location filename="../../rtstation/gui/core_phrases_storage.py" line="+13"/>
        <source>empty file (0 bytes)</source>
        <translation>leere Datei (0 Byte)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>permission denied</source>
        <translation>Zugriff verweigert</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>cannot be read (%1)</source>
        <translation>kann nicht gelesen werden (%1)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>damaged or truncated DICOM file (%1)</source>
        <translation>beschädigte oder abgeschnittene DICOM-Datei (%1)</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>damaged or truncated DICOM file</source>
        <translation>beschädigte oder abgeschnittene DICOM-Datei</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>not a DICOM file (no DICM preamble and no SOP Class UID)</source>
        <translation>keine DICOM-Datei (keine DICM-Präambel und keine SOP Class UID)</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>not a DICOM file (no DICM preamble and no SOP UIDs)</source>
        <translation>keine DICOM-Datei (keine DICM-Präambel und keine SOP-UIDs)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>not a DICOM file (%1)</source>
        <translation>keine DICOM-Datei (%1)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>not a DICOM file</source>
        <translation>keine DICOM-Datei</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>no SOP Instance UID (0008,0018): cannot be identified</source>
        <translation>keine SOP Instance UID (0008,0018): nicht identifizierbar</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>no SOP Class UID (0008,0016): cannot tell what it is</source>
        <translation>keine SOP Class UID (0008,0016): Art unbekannt</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>a DICOMDIR (media index), not an instance</source>
        <translation>ein DICOMDIR (Medienverzeichnis), keine Instanz</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>the dataset has no SOP Instance UID (0008,0018) (its File Meta names one, but a dataset must carry its own to be stored or forwarded)</source>
        <translation>der Datensatz hat keine SOP Instance UID (0008,0018) (die File Meta nennt eine, doch der Datensatz muss seine eigene enthalten, um gespeichert oder weitergeleitet zu werden)</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>the dataset has no SOP Class UID (0008,0016) (its File Meta names one, but a dataset must carry its own to be stored or forwarded)</source>
        <translation>der Datensatz hat keine SOP Class UID (0008,0016) (die File Meta nennt eine, doch der Datensatz muss seine eigene enthalten, um gespeichert oder weitergeleitet zu werden)</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>its deflated dataset of %1 bytes inflates to more than %2 MB (the station inflates at most %3 times the compressed size, and at most %4 MB): a deflate bomb, or too large to read</source>
        <translation>ihr mit Deflate komprimierter Datensatz von %1 Byte ergibt entpackt mehr als %2 MB (die Station entpackt höchstens das %3-Fache der komprimierten Größe und höchstens %4 MB): eine Deflate-Bombe oder zu groß zum Lesen</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>its SOP Instance UID %1 belongs to another object (a stored %2 of patient %3, this one a %4 of patient %5): refused, the stored copy is kept</source>
        <translation>ihre SOP Instance UID %1 gehört zu einem anderen Objekt (gespeichert ist ein %2 von Patient %3, dieses ist ein %4 von Patient %5): abgelehnt, die gespeicherte Kopie bleibt erhalten</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>instance</source>
        <translation>Objekt</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>another kind</source>
        <translation>Objekt anderer Art</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>cannot be read (%1); nothing in it was imported</source>
        <translation>kann nicht gelesen werden (%1); nichts darin wurde importiert</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>is a link to a folder (%1); linked folders are not followed: import the target itself</source>
        <translation>ist ein Link auf einen Ordner (%1); verlinkten Ordnern wird nicht gefolgt: importieren Sie das Ziel selbst</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>the data cannot be read</source>
        <translation>die Daten können nicht gelesen werden</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>the dataset cannot be read (%1)</source>
        <translation>der Datensatz kann nicht gelesen werden (%1)</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>element (%1) has an invalid VR; the dataset cannot be read beyond it</source>
        <translation>Element (%1) hat eine ungültige VR; der Datensatz ist ab dort nicht lesbar</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>the dataset begins with the File Meta element (%1): group 0002 belongs in the File Meta, not in a C-STORE&apos;s dataset (a reader would take it for the file&apos;s own and misread the rest)</source>
        <translation>der Datensatz beginnt mit einem Element der File Meta (%1): Gruppe 0002 gehört in die File Meta, nicht in den Datensatz eines C-STORE (ein Leser hielte sie für die eigene File Meta der Datei und läse den Rest falsch)</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>the dataset has no SOP Instance UID (0008,0018)</source>
        <translation>der Datensatz hat keine SOP Instance UID (0008,0018)</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>the dataset has no SOP Class UID (0008,0016)</source>
        <translation>der Datensatz hat keine SOP Class UID (0008,0016)</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>the dataset&apos;s SOP Instance UID &apos;%1&apos; is not the request&apos;s Affected SOP Instance UID &apos;%2&apos;</source>
        <translation>die SOP Instance UID &apos;%1&apos; des Datensatzes ist nicht die Affected SOP Instance UID &apos;%2&apos; der Anfrage</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>the dataset is of SOP class &apos;%1&apos; but was sent on a presentation context for &apos;%2&apos;</source>
        <translation>der Datensatz hat die SOP-Klasse &apos;%1&apos;, wurde aber auf einem Presentation Context für &apos;%2&apos; gesendet</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>the dataset is of SOP class &apos;%1&apos; but the request names &apos;%2&apos;</source>
        <translation>der Datensatz hat die SOP-Klasse &apos;%1&apos;, die Anfrage nennt aber &apos;%2&apos;</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>the dataset has Pixel Data but no usable Rows, Columns or Bits Allocated</source>
        <translation>der Datensatz hat Pixel Data, aber keine verwendbaren Rows, Columns oder Bits Allocated</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>its Pixel Data holds %1 bytes, but %2 rows x %3 columns x %4 sample(s) x %5 frame(s) x %6 bits need %7</source>
        <translation>ihre Pixel Data enthalten nur %1 Byte, aber %2 Zeilen × %3 Spalten × %4 Sample(s) × %5 Frame(s) × %6 Bit erfordern %7</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>writing it would take the storage folder&apos;s free space below the configured floor (min_free_space_mb); %1 MB are left above it</source>
        <translation>das Schreiben brächte den freien Platz des Speicherordners unter die eingestellte Untergrenze (min_free_space_mb); darüber sind noch %1 MB frei</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>the storage folder accepted no more bytes</source>
        <translation>der Speicherordner hat keine weiteren Bytes angenommen</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>the storage folder is full (%1)</source>
        <translation>der Speicherordner ist voll (%1)</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>the station&apos;s database or disk failed (%1); the sender may retry</source>
        <translation>Fehler in Datenbank oder Datenträger der Station (%1); der Sender kann es erneut versuchen</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>unexpected error: %1</source>
        <translation>unerwarteter Fehler: %1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>%1,%2</source>
        <translation>%1.%2</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1,%2,%3</source>
        <translation>%1.%2.%3</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1,%2,%3,%4</source>
        <translation>%1.%2.%3.%4</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1.%2</source>
        <translation>%1,%2</translation>
    </message>
</context>
<context>
    <name>DeleteController</name>
    <message>
        <location filename="../../rtstation/gui/controllers/delete_controller.py" line="+62"/>
        <source>Nothing was deleted.</source>
        <translation>Es wurde nichts gelöscht.</translation>
    </message>
    <message numerus="yes">
        <location line="+9"/>
        <source>Delete everything stored: %n patient(s)?</source>
        <translation>
            <numerusform>Alles Gespeicherte löschen: %n Patient?</numerusform>
            <numerusform>Alles Gespeicherte löschen: %n Patienten?</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+2"/>
        <source>Delete %n patient(s) with all their files?</source>
        <translation>
            <numerusform>%n Patienten mit allen Dateien löschen?</numerusform>
            <numerusform>%n Patienten mit allen Dateien löschen?</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+2"/>
        <source>Delete %n plan(s)?</source>
        <translation>
            <numerusform>%n Plan löschen?</numerusform>
            <numerusform>%n Pläne löschen?</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+3"/>
        <source>%n file(s) are removed from the storage folder and the catalog</source>
        <translation>
            <numerusform>%n Datei wird aus dem Speicherordner und dem Katalog entfernt</numerusform>
            <numerusform>%n Dateien werden aus dem Speicherordner und dem Katalog entfernt</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+9"/>
        <source>%n shared file(s) stay because a plan that is kept uses them.</source>
        <translation>
            <numerusform>%n gemeinsam genutzte Datei bleibt, weil ein verbleibender Plan sie verwendet.</numerusform>
            <numerusform>%n gemeinsam genutzte Dateien bleiben, weil ein verbleibender Plan sie verwendet.</numerusform>
        </translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Plans: %1</source>
        <translation>Pläne: %1</translation>
    </message>
    <message numerus="yes">
        <location line="+3"/>
        <source>and %n more plan(s)</source>
        <translation>
            <numerusform>und %n weiterer Plan</numerusform>
            <numerusform>und %n weitere Pläne</numerusform>
        </translation>
    </message>
    <message>
        <location line="+1"/>
        <source>This cannot be undone.</source>
        <translation>Das kann nicht rückgängig gemacht werden.</translation>
    </message>
    <message>
        <location line="+6"/>
        <location line="+6"/>
        <location line="+7"/>
        <location line="+29"/>
        <source>Delete</source>
        <translation>Löschen</translation>
    </message>
    <message>
        <location line="-42"/>
        <source>Nothing is stored: nothing to delete.</source>
        <translation>Es ist nichts gespeichert: nichts zu löschen.</translation>
    </message>
    <message>
        <location line="+29"/>
        <source>The delete was refused.</source>
        <translation>Das Löschen wurde abgelehnt.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Job %1 to %2 is %3 for %4.</source>
        <translation>Auftrag %1 an %2 ist %3 für %4.</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>its files</source>
        <translation>seine Dateien</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Cancel the job or wait until it has finished, then delete again.</source>
        <translation>Brechen Sie den Auftrag ab oder warten Sie, bis er beendet ist, und löschen Sie dann erneut.</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>The delete was refused; nothing was deleted.</source>
        <translation>Das Löschen wurde abgelehnt; es wurde nichts gelöscht.</translation>
    </message>
</context>
<context>
    <name>DetailsPanel</name>
    <message>
        <location filename="../../rtstation/gui/widgets/details_panel.py" line="+109"/>
        <source>Patient</source>
        <translation>Patient</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Plan label</source>
        <translation>Plan-Label</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Plan name</source>
        <translation>Planname</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Plan date</source>
        <translation>Plandatum</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Approval</source>
        <translation>Freigabe</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Intent</source>
        <translation>Intention</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Machines</source>
        <translation>Geräte</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Fractions</source>
        <translation>Fraktionen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Prescription</source>
        <translation>Verschreibung</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Completeness</source>
        <translation>Vollständigkeit</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+35"/>
        <source>Source AE</source>
        <translation>Quell-AE</translation>
    </message>
    <message>
        <location line="-34"/>
        <location line="+35"/>
        <source>Received</source>
        <translation>Empfangen</translation>
    </message>
    <message>
        <location line="-34"/>
        <source>Rules</source>
        <translation>Regeln</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Rule by rule</source>
        <translation>Regel für Regel</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Beam</source>
        <translation>Feld</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Machine</source>
        <translation>Gerät</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Type</source>
        <translation>Typ</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Energy</source>
        <translation>Energie</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>MU</source>
        <translation>MU</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Delivery</source>
        <translation>Bestrahlung</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Beams:</source>
        <translation>Felder:</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Modality</source>
        <translation>Modalität</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>SOP class</source>
        <translation>SOP-Klasse</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Size</source>
        <translation>Größe</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>SOP Instance UID</source>
        <translation>SOP Instance UID</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Node</source>
        <translation>Knoten</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Job</source>
        <translation>Auftrag</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Trigger</source>
        <translation>Auslöser</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>State</source>
        <translation>Status</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Progress</source>
        <translation>Fortschritt</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Queued</source>
        <translation>Eingereiht</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Finished</source>
        <translation>Beendet</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Reason</source>
        <translation>Grund</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Plan</source>
        <translation>Plan</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Files</source>
        <translation>Dateien</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Send history</source>
        <translation>Sendeverlauf</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Select a plan in the tree.</source>
        <translation>Wählen Sie einen Plan in der Liste.</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>(no plans)</source>
        <translation>(keine Pläne)</translation>
    </message>
    <message>
        <location line="+59"/>
        <source>Total</source>
        <translation>Summe</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>forwarded by rule %1</source>
        <translation>weitergeleitet durch Regel %1</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>forwarded by a rule</source>
        <translation>von einer Regel weitergeleitet</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>no rule forwards this plan</source>
        <translation>keine Regel leitet diesen Plan weiter</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>waiting: %1</source>
        <translation>wartet: %1</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>waiting for the plan to be complete</source>
        <translation>wartet, bis der Plan vollständig ist</translation>
    </message>
</context>
<context>
    <name>DoctorDialog</name>
    <message>
        <location filename="../../rtstation/gui/dialogs/doctor_dialog.py" line="+42"/>
        <source>Check connections</source>
        <translation>Verbindungen prüfen</translation>
    </message>
    <message>
        <location line="+12"/>
        <location line="+8"/>
        <source>Check</source>
        <translation>Prüfen</translation>
    </message>
    <message>
        <location line="-7"/>
        <source>Close</source>
        <translation>Schließen</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Node</source>
        <translation>Knoten</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Result</source>
        <translation>Ergebnis</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Detail</source>
        <translation>Einzelheiten</translation>
    </message>
    <message>
        <location line="+31"/>
        <source>Checking…</source>
        <translation>Wird geprüft …</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>OK</source>
        <translation>OK</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Failed</source>
        <translation>Fehlgeschlagen</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Not checked</source>
        <translation>Nicht geprüft</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>A check failed: see its detail.</source>
        <translation>Eine Prüfung ist fehlgeschlagen: siehe die Einzelheiten.</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>All checks passed.</source>
        <translation>Alle Prüfungen bestanden.</translation>
    </message>
</context>
<context>
    <name>DvhPlot</name>
    <message>
        <location filename="../../rtstation/gui/widgets/dvh_plot.py" line="+148"/>
        <source>Rx %1 Gy</source>
        <translation>Verschreibung %1 Gy</translation>
    </message>
    <message>
        <location line="+40"/>
        <source>Dose (Gy)</source>
        <translation>Dosis (Gy)</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Volume (%)</source>
        <translation>Volumen (%)</translation>
    </message>
</context>
<context>
    <name>HistoryDialog</name>
    <message>
        <location filename="../../rtstation/gui/dialogs/history_dialog.py" line="+60"/>
        <source>Send history</source>
        <translation>Sendeverlauf</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Export...</source>
        <translation>Exportieren...</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>From</source>
        <translation>Von</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>to</source>
        <translation>bis</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Queued</source>
        <translation>Eingereiht</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Started</source>
        <translation>Begonnen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Finished</source>
        <translation>Beendet</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Patient</source>
        <translation>Patient</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Plan</source>
        <translation>Plan</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Node</source>
        <translation>Knoten</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Trigger</source>
        <translation>Auslöser</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>State</source>
        <translation>Status</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Rule</source>
        <translation>Regel</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Forwarded</source>
        <translation>Weitergeleitet</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Failed</source>
        <translation>Fehlgeschlagen</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Skipped</source>
        <translation>Übersprungen</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Plans per rule</source>
        <translation>Pläne je Regel</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>Reading the send history...</source>
        <translation>Sendeverlauf wird gelesen...</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>The send history could not be read.</source>
        <translation>Der Sendeverlauf konnte nicht gelesen werden.</translation>
    </message>
    <message>
        <location line="+26"/>
        <source>manual</source>
        <translation>manuell</translation>
    </message>
    <message numerus="yes">
        <location line="+8"/>
        <source>%n send job(s) in this range</source>
        <translation>
            <numerusform>%n Sendeauftrag in diesem Zeitraum</numerusform>
            <numerusform>%n Sendeaufträge in diesem Zeitraum</numerusform>
        </translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Export the send history</source>
        <translation>Sendeverlauf exportieren</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Saved %1</source>
        <translation>Gespeichert: %1</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The send history could not be saved.</source>
        <translation>Der Sendeverlauf konnte nicht gespeichert werden.</translation>
    </message>
</context>
<context>
    <name>HousekeepingActions</name>
    <message>
        <location filename="../../rtstation/gui/housekeeping_actions.py" line="+43"/>
        <source>Delete</source>
        <translation>Löschen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Select the patients or plans to delete in the list first.</source>
        <translation>Wählen Sie zuerst die zu löschenden Patienten oder Pläne in der Liste aus.</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>&amp;Delete selected...</source>
        <translation>Ausgewählte &amp;löschen...</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Delete &amp;all...</source>
        <translation>&amp;Alles löschen...</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Send &amp;history...</source>
        <translation>Sende&amp;verlauf...</translation>
    </message>
</context>
<context>
    <name>ImportController</name>
    <message>
        <location filename="../../rtstation/gui/controllers/import_controller.py" line="+86"/>
        <source>Looking at the files...</source>
        <translation>Dateien werden gesichtet ...</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Importing</source>
        <translation>Import läuft</translation>
    </message>
    <message>
        <location line="+40"/>
        <source>Cancelling after the current file...</source>
        <translation>Abbruch nach der aktuellen Datei ...</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Importing %1 of %2
%3</source>
        <translation>Importiere %1 von %2
%3</translation>
    </message>
    <message>
        <location line="+37"/>
        <source>The import stopped.</source>
        <translation>Der Import wurde unterbrochen.</translation>
    </message>
</context>
<context>
    <name>ImportDialog</name>
    <message>
        <location filename="../../rtstation/gui/dialogs/import_dialog.py" line="+72"/>
        <source>Import DICOM files</source>
        <translation>DICOM-Dateien importieren</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>A folder</source>
        <translation>Einen Ordner</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Single files or ZIP archives</source>
        <translation>Einzelne Dateien oder ZIP-Archive</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Browse…</source>
        <translation>Durchsuchen …</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Include subfolders</source>
        <translation>Unterordner einbeziehen</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Choose files…</source>
        <translation>Dateien wählen …</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Remove</source>
        <translation>Entfernen</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Delete the source files once they are stored (clear the folder)</source>
        <translation>Quelldateien nach dem Speichern löschen (Ordner leeren)</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Import an anonymized copy (the source files stay as they are)</source>
        <translation>Eine anonymisierte Kopie importieren (die Quelldateien bleiben, wie sie sind)</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>new patient ID (empty = derived: ANON and 10 hex digits)</source>
        <translation>neue Patienten-ID (leer = abgeleitet: ANON und 10 Hexziffern)</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>new patient name (empty = the new patient ID)</source>
        <translation>neuer Patientenname (leer = die neue Patienten-ID)</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>Import</source>
        <translation>Importieren</translation>
    </message>
    <message>
        <location line="+102"/>
        <source>Choose a folder to import.</source>
        <translation>Wählen Sie einen Ordner für den Import.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The folder &apos;{folder}&apos; does not exist.</source>
        <translation>Der Ordner &apos;{folder}&apos; existiert nicht.</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Choose at least one file.</source>
        <translation>Wählen Sie mindestens eine Datei.</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Folder to import</source>
        <translation>Zu importierender Ordner</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Files to import</source>
        <translation>Zu importierende Dateien</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>DICOM files and ZIP archives (*.dcm *.DCM *.zip *.ZIP);;All files (*)</source>
        <translation>DICOM-Dateien und ZIP-Archive (*.dcm *.DCM *.zip *.ZIP);;Alle Dateien (*)</translation>
    </message>
</context>
<context>
    <name>ImportSummaryDialog</name>
    <message>
        <location filename="../../rtstation/gui/dialogs/import_summary.py" line="+69"/>
        <source>Import finished</source>
        <translation>Import abgeschlossen</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>The import was cancelled; what was stored so far stays.</source>
        <translation>Der Import wurde abgebrochen; was bis dahin gespeichert wurde, bleibt erhalten.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Import cancelled</source>
        <translation>Import abgebrochen</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Some files could not be imported.</source>
        <translation>Einige Dateien konnten nicht importiert werden.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>All files were imported.</source>
        <translation>Alle Dateien wurden importiert.</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Stored:</source>
        <translation>Gespeichert:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Already there (identical):</source>
        <translation>Schon vorhanden (identisch):</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Replaced (same UID, new content):</source>
        <translation>Ersetzt (gleiche UID, neuer Inhalt):</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Rejected:</source>
        <translation>Abgelehnt:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Source files removed:</source>
        <translation>Quelldateien gelöscht:</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Rejected files (nothing was stored from these):</source>
        <translation>Abgelehnte Dateien (davon wurde nichts gespeichert):</translation>
    </message>
</context>
<context>
    <name>JobFilterBar</name>
    <message>
        <location filename="../../rtstation/gui/widgets/job_filter_bar.py" line="+28"/>
        <source>All jobs</source>
        <extracomment>(key, states shown); None shows every job.</extracomment>
        <translation>Alle Aufträge</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Open (queued, sending, retrying)</source>
        <translation>Offen (wartend, sendend, Wiederholung)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Waiting to retry</source>
        <translation>Wartet auf Wiederholung</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Failed</source>
        <translation>Fehlgeschlagen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Done</source>
        <translation>Erledigt</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Cancelled</source>
        <translation>Abgebrochen</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>Clear finished</source>
        <translation>Erledigte entfernen</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Take done, failed and cancelled jobs off this list (the send history keeps them)</source>
        <translation>Erledigte, fehlgeschlagene und abgebrochene Aufträge aus dieser Liste nehmen (der Sendeverlauf behält sie)</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Show:</source>
        <translation>Anzeigen:</translation>
    </message>
</context>
<context>
    <name>JobTableModel</name>
    <message>
        <location filename="../../rtstation/gui/models/job_table_model.py" line="+71"/>
        <source>%1 of %2 delivered</source>
        <translation>%1 von %2 zugestellt</translation>
    </message>
    <message>
        <location line="+34"/>
        <location line="+1"/>
        <source>queued</source>
        <translation>eingereiht</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+1"/>
        <source>sending</source>
        <translation>wird gesendet</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>waiting to retry</source>
        <translation>wartet auf Wiederholung</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>paused</source>
        <translation>pausiert</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>done</source>
        <translation>erledigt</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>failed</source>
        <translation>fehlgeschlagen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>cancelled</source>
        <translation>abgebrochen</translation>
    </message>
    <message>
        <location line="+22"/>
        <source>Node</source>
        <translation>Knoten</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Patient</source>
        <translation>Patient</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Plan</source>
        <translation>Plan</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Trigger</source>
        <translation>Auslöser</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>State</source>
        <translation>Status</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Progress</source>
        <translation>Fortschritt</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+178"/>
        <source>Queued</source>
        <translation>Eingereiht</translation>
    </message>
    <message>
        <location line="-177"/>
        <source>Next retry</source>
        <translation>Nächster Versuch</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Reason</source>
        <translation>Grund</translation>
    </message>
    <message>
        <location line="+177"/>
        <source>Started</source>
        <translation>Begonnen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Finished</source>
        <translation>Beendet</translation>
    </message>
</context>
<context>
    <name>JobsController</name>
    <message>
        <location filename="../../rtstation/gui/controllers/jobs_controller.py" line="+86"/>
        <source>The job could not be retried.</source>
        <translation>Der Auftrag konnte nicht wiederholt werden.</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>The job could not be cancelled.</source>
        <translation>Der Auftrag konnte nicht abgebrochen werden.</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Finished jobs could not be cleared.</source>
        <translation>Erledigte Aufträge konnten nicht entfernt werden.</translation>
    </message>
</context>
<context>
    <name>JobsPanel</name>
    <message>
        <location filename="../../rtstation/gui/widgets/jobs_panel.py" line="+66"/>
        <location line="+43"/>
        <source>Retry</source>
        <translation>Wiederholen</translation>
    </message>
    <message>
        <location line="-41"/>
        <source>Cancel job</source>
        <translation>Auftrag abbrechen</translation>
    </message>
    <message>
        <location line="+41"/>
        <source>Retry now</source>
        <translation>Jetzt wiederholen</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Resume node %1</source>
        <translation>Knoten %1 fortsetzen</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Pause node %1</source>
        <translation>Knoten %1 pausieren</translation>
    </message>
</context>
<context>
    <name>LogPanel</name>
    <message>
        <location filename="../../rtstation/gui/widgets/log_panel.py" line="+39"/>
        <source>Debug</source>
        <translation>Debug</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Info</source>
        <translation>Info</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Warning</source>
        <translation>Warnung</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Error</source>
        <translation>Fehler</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Clear</source>
        <translation>Leeren</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Show:</source>
        <translation>Anzeigen:</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../rtstation/gui/main_window.py" line="+191"/>
        <source>Send queue</source>
        <translation>Sendewarteschlange</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Log</source>
        <translation>Protokoll</translation>
    </message>
    <message>
        <location filename="../../rtstation/gui/window_actions.py" line="+29"/>
        <source>&amp;Import files or folders...</source>
        <translation>Dateien oder Ordner &amp;importieren ...</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Process the import &amp;folder</source>
        <translation>Import-&amp;Ordner verarbeiten</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>&amp;Settings...</source>
        <translation>&amp;Einstellungen ...</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Forwarding &amp;rules...</source>
        <translation>Weiterleitungs&amp;regeln ...</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>&amp;Reload the plan list</source>
        <translation>Planliste neu &amp;laden</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Start or stop the &amp;receiver</source>
        <translation>&amp;Empfänger starten oder stoppen</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&amp;Quit</source>
        <translation>&amp;Beenden</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Keep running in the &amp;tray</source>
        <translation>Im &amp;Infobereich weiterlaufen</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>&amp;About rtstation</source>
        <translation>&amp;Über rtstation</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>&amp;File</source>
        <translation>&amp;Datei</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>&amp;Station</source>
        <translation>&amp;Station</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>&amp;View</source>
        <translation>&amp;Ansicht</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>&amp;Colour scheme</source>
        <translation>&amp;Farbschema</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Help</source>
        <translation>&amp;Hilfe</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Station</source>
        <translation>Station</translation>
    </message>
    <message>
        <location filename="../../rtstation/gui/main_window.py" line="+88"/>
        <source>The station could not start.</source>
        <translation>Die Station konnte nicht starten.</translation>
    </message>
    <message>
        <location line="+39"/>
        <source>rtstation quits when the send queue is finished.</source>
        <translation>rtstation wird beendet, sobald die Sendewarteschlange fertig ist.</translation>
    </message>
    <message>
        <location line="+46"/>
        <source>An import is already running.</source>
        <translation>Es läuft bereits ein Import.</translation>
    </message>
    <message>
        <location line="+22"/>
        <source>The list of received plans could not be read.</source>
        <translation>Die Liste der empfangenen Pläne konnte nicht gelesen werden.</translation>
    </message>
    <message numerus="yes">
        <location line="+18"/>
        <source>%n send job(s) queued.</source>
        <translation>
            <numerusform>%n Sendeauftrag eingereiht.</numerusform>
            <numerusform>%n Sendeaufträge eingereiht.</numerusform>
        </translation>
    </message>
    <message>
        <location line="+64"/>
        <source>rtstation - %1 - %2, %3</source>
        <translation>rtstation - %1 - %2, %3</translation>
    </message>
    <message numerus="yes">
        <location line="+2"/>
        <source>%n patient(s)</source>
        <translation>
            <numerusform>%n Patient</numerusform>
            <numerusform>%n Patienten</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+1"/>
        <source>%n plan(s)</source>
        <translation>
            <numerusform>%n Plan</numerusform>
            <numerusform>%n Pläne</numerusform>
        </translation>
    </message>
    <message>
        <location line="-54"/>
        <source>Forwarding rules saved.</source>
        <translation>Weiterleitungsregeln gespeichert.</translation>
    </message>
    <message>
        <location line="+38"/>
        <source>About rtstation</source>
        <translation>Über rtstation</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&lt;b&gt;rtstation %1&lt;/b&gt;&lt;br&gt;Receives DICOM-RT plans, shows what belongs to them and forwards them to DICOM nodes, by hand or by rules.&lt;br&gt;&lt;br&gt;Storage: %2</source>
        <translation>&lt;b&gt;rtstation %1&lt;/b&gt;&lt;br&gt;Empfängt DICOM-RT-Pläne, zeigt, was zu ihnen gehört, und leitet sie an DICOM-Knoten weiter, von Hand oder nach Regeln.&lt;br&gt;&lt;br&gt;Speicher: %2</translation>
    </message>
    <message>
        <location line="+25"/>
        <source>Select a plan in the main window first: the rules are tested against it.</source>
        <translation>Wählen Sie zuerst einen Plan im Hauptfenster: Die Regeln werden an ihm getestet.</translation>
    </message>
</context>
<context>
    <name>Messages</name>
    <message>
        <location filename="../../rtstation/gui/messages.py" line="+61"/>
        <source>rtstation</source>
        <translation>rtstation</translation>
    </message>
</context>
<context>
    <name>MetricsLauncher</name>
    <message>
        <location filename="../../rtstation/gui/dialogs/metrics_window.py" line="+328"/>
        <source>Plan &amp;metrics and DVH...</source>
        <translation>Plan-&amp;Kennzahlen und DVH...</translation>
    </message>
</context>
<context>
    <name>MetricsTableModel</name>
    <message>
        <location filename="../../rtstation/gui/models/metrics_table_model.py" line="+53"/>
        <source>Patient</source>
        <translation>Patient</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Plan</source>
        <translation>Plan</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Approval</source>
        <translation>Freigabe</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Machine</source>
        <translation>Gerät</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Fractions</source>
        <translation>Fraktionen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Prescription (Gy)</source>
        <translation>Verschreibung (Gy)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>MU</source>
        <translation>MU</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Dose grid</source>
        <translation>Dosisgitter</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Dmin (Gy)</source>
        <translation>Dmin (Gy)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Dmean (Gy)</source>
        <translation>Dmittel (Gy)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Dmax (Gy)</source>
        <translation>Dmax (Gy)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>ROIs</source>
        <translation>ROIs</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Notes</source>
        <translation>Hinweise</translation>
    </message>
</context>
<context>
    <name>MetricsWindow</name>
    <message>
        <location filename="../../rtstation/gui/dialogs/metrics_window.py" line="-242"/>
        <source>Plan metrics</source>
        <translation>Plan-Kennzahlen</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Filter, e.g. label contains ADP and dmax_gy &gt; 60</source>
        <translation>Filter, z. B. label contains ADP and dmax_gy &gt; 60</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Compute again</source>
        <translation>Neu berechnen</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Export CSV...</source>
        <translation>CSV exportieren...</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Export JSON...</source>
        <translation>JSON exportieren...</translation>
    </message>
    <message>
        <location line="+25"/>
        <source>Move the mouse over the DVH to read dose and volume.</source>
        <translation>Maus über das DVH bewegen, um Dosis und Volumen abzulesen.</translation>
    </message>
    <message>
        <location line="+35"/>
        <source>Computing plan metrics...</source>
        <translation>Plan-Kennzahlen werden berechnet...</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>Computing plan metrics: %1 of %2 (%3)</source>
        <translation>Plan-Kennzahlen werden berechnet: %1 von %2 (%3)</translation>
    </message>
    <message numerus="yes">
        <location line="+15"/>
        <source>%n plan(s)</source>
        <translation>
            <numerusform>%n Plan</numerusform>
            <numerusform>%n Pläne</numerusform>
        </translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Computing the metrics failed: %1</source>
        <translation>Die Berechnung der Kennzahlen ist fehlgeschlagen: %1</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Cancelled: the table shows the last complete result.</source>
        <translation>Abgebrochen: die Tabelle zeigt das letzte vollständige Ergebnis.</translation>
    </message>
    <message>
        <location line="+49"/>
        <source>DVH of plan %1</source>
        <translation>DVH von Plan %1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>no ROI has a dose</source>
        <translation>keine ROI hat eine Dosis</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>No DVH for plan %1: %2</source>
        <translation>Kein DVH für Plan %1: %2</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Export CSV</source>
        <translation>CSV exportieren</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Export JSON</source>
        <translation>JSON exportieren</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>CSV files (*.csv)</source>
        <translation>CSV-Dateien (*.csv)</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>JSON files (*.json)</source>
        <translation>JSON-Dateien (*.json)</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Exported %1</source>
        <translation>Exportiert: %1</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Export failed</source>
        <translation>Export fehlgeschlagen</translation>
    </message>
</context>
<context>
    <name>NodeEditorDialog</name>
    <message>
        <location filename="../../rtstation/gui/dialogs/node_editor.py" line="+64"/>
        <source>Edit node</source>
        <translation>Knoten bearbeiten</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Add node</source>
        <translation>Knoten hinzufügen</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>e.g. ORGANO</source>
        <translation>z. B. ORGANO</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>the node&apos;s own (called) AE title</source>
        <translation>der eigene (gerufene) AE-Titel des Knotens</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>host name or IP address</source>
        <translation>Hostname oder IP-Adresse</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>empty = the station&apos;s AE title ({ae})</source>
        <translation>leer = AE-Titel der Station ({ae})</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>receiver AE title</source>
        <translation>AE-Titel des Empfängers</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Enabled (plans may be sent to this node)</source>
        <translation>Aktiv (an diesen Knoten darf gesendet werden)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Use TLS (DICOM over an encrypted connection)</source>
        <translation>TLS verwenden (DICOM über eine verschlüsselte Verbindung)</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>CA certificate (PEM) that signed the node&apos;s certificate</source>
        <translation>CA-Zertifikat (PEM), das das Zertifikat des Knotens signiert hat</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>empty = no client certificate</source>
        <translation>leer = kein Client-Zertifikat</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>key of the client certificate</source>
        <translation>Schlüssel des Client-Zertifikats</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Rules name their target nodes by this name.</source>
        <translation>Regeln nennen ihre Zielknoten mit diesem Namen.</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>How many plans may be sent to this node at the same time.</source>
        <translation>Wie viele Pläne gleichzeitig an diesen Knoten gesendet werden dürfen.</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Browse...</source>
        <translation>Durchsuchen...</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Name:</source>
        <translation>Name:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>AE title:</source>
        <translation>AE-Titel:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Host:</source>
        <translation>Host:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Port:</source>
        <translation>Port:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Calling AE title:</source>
        <translation>Rufender AE-Titel:</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Max. associations:</source>
        <translation>Max. Assoziationen:</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>CA certificate:</source>
        <translation>CA-Zertifikat:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Client certificate:</source>
        <translation>Client-Zertifikat:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Client key:</source>
        <translation>Client-Schlüssel:</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Test</source>
        <translation>Testen</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Send a C-ECHO to the node as entered above</source>
        <translation>Ein C-ECHO an den Knoten mit den obigen Angaben senden</translation>
    </message>
    <message>
        <location line="+62"/>
        <source>Choose a file</source>
        <translation>Datei auswählen</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>PEM files (*.pem *.crt *.key);;All files (*)</source>
        <translation>PEM-Dateien (*.pem *.crt *.key);;Alle Dateien (*)</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Testing…</source>
        <translation>Teste…</translation>
    </message>
    <message>
        <location line="+29"/>
        <source>another node is already called &apos;{name}&apos;; node names must be unique</source>
        <translation>ein anderer Knoten heißt bereits &apos;{name}&apos;; Knotennamen müssen eindeutig sein</translation>
    </message>
    <message>
        <location line="+31"/>
        <source>file &apos;{path}&apos; does not exist</source>
        <translation>Datei &apos;{path}&apos; existiert nicht</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>a client certificate needs its key, and a key its certificate</source>
        <translation>ein Client-Zertifikat braucht seinen Schlüssel und ein Schlüssel sein Zertifikat</translation>
    </message>
</context>
<context>
    <name>NodesPanel</name>
    <message>
        <location filename="../../rtstation/gui/widgets/nodes_panel.py" line="+46"/>
        <source>Send to</source>
        <translation>Senden an</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>No DICOM nodes are enabled. Add one in Settings.</source>
        <translation>Keine DICOM-Knoten aktiv. Legen Sie einen in den Einstellungen an.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Send</source>
        <translation>Senden</translation>
    </message>
    <message>
        <location line="+53"/>
        <source>%1 (paused)</source>
        <translation>%1 (pausiert)</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>Tick the plans to send in the tree.</source>
        <translation>Haken Sie die zu sendenden Pläne in der Liste an.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Tick at least one node.</source>
        <translation>Haken Sie mindestens einen Knoten an.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>%1 to %2</source>
        <translation>%1 an %2</translation>
    </message>
    <message numerus="yes">
        <location line="+1"/>
        <source>%n plan(s)</source>
        <translation>
            <numerusform>%n Plan</numerusform>
            <numerusform>%n Pläne</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+1"/>
        <source>%n node(s)</source>
        <translation>
            <numerusform>%n Knoten</numerusform>
            <numerusform>%n Knoten</numerusform>
        </translation>
    </message>
    <message>
        <location line="+19"/>
        <source>Resume node %1</source>
        <translation>Knoten %1 fortsetzen</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Pause node %1</source>
        <translation>Knoten %1 pausieren</translation>
    </message>
</context>
<context>
    <name>NodesTableModel</name>
    <message>
        <location filename="../../rtstation/gui/dialogs/_nodes_table.py" line="+63"/>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>AE title</source>
        <translation>AE-Titel</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Host</source>
        <translation>Host</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Port</source>
        <translation>Port</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Calling AE</source>
        <translation>Rufender AE</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Enabled</source>
        <translation>Aktiv</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Test</source>
        <translation>Test</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>yes</source>
        <translation>ja</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>no</source>
        <translation>nein</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>(station AE)</source>
        <translation>(AE der Station)</translation>
    </message>
</context>
<context>
    <name>PauseController</name>
    <message>
        <location filename="../../rtstation/gui/controllers/pause_controller.py" line="+71"/>
        <source>Node %1 could not be paused.</source>
        <translation>Knoten %1 konnte nicht pausiert werden.</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Node %1 could not be resumed.</source>
        <translation>Knoten %1 konnte nicht fortgesetzt werden.</translation>
    </message>
</context>
<context>
    <name>PlanMenuController</name>
    <message>
        <location filename="../../rtstation/gui/controllers/plan_menu_controller.py" line="+87"/>
        <source>%1 selected plans</source>
        <translation>%1 ausgewählte Pläne</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Send to</source>
        <translation>Senden an</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>%1 (paused)</source>
        <translation>%1 (pausiert)</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>No DICOM nodes are enabled. Add one in Settings.</source>
        <translation>Keine DICOM-Knoten aktiv. Legen Sie einen in den Einstellungen an.</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>All checked nodes</source>
        <translation>Alle angehakten Knoten</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Tick nodes in the Send panel first.</source>
        <translation>Haken Sie zuerst Knoten unter „Senden an“ an.</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Test forwarding rules</source>
        <translation>Weiterleitungsregeln testen</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>What the rules decide for %1, without sending anything</source>
        <translation>Was die Regeln für %1 entscheiden, ohne etwas zu senden</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Delete...</source>
        <translation>Löschen...</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>The forwarding rules could not be tested.</source>
        <translation>Die Weiterleitungsregeln konnten nicht getestet werden.</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>The rules send %1 to %2.</source>
        <translation>Die Regeln senden %1 an %2.</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>No rule sends %1 anywhere.</source>
        <translation>Keine Regel sendet %1 irgendwohin.</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Still waiting for: %1</source>
        <translation>Wartet noch auf: %1</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Forwarding rules</source>
        <translation>Weiterleitungsregeln</translation>
    </message>
</context>
<context>
    <name>PlanTreeModel</name>
    <message>
        <location filename="../../rtstation/gui/models/plan_tree_model.py" line="+91"/>
        <source>Patient / plan</source>
        <translation>Patient / Plan</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Plan name</source>
        <translation>Planname</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Approval</source>
        <translation>Freigabe</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Source AE</source>
        <translation>Quell-AE</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Received</source>
        <translation>Empfangen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Completeness</source>
        <translation>Vollständigkeit</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Forwarded</source>
        <translation>Weitergeleitet</translation>
    </message>
    <message>
        <location filename="../../rtstation/gui/models/plan_tree_cells.py" line="+47"/>
        <source>(no label)</source>
        <translation>(ohne Label)</translation>
    </message>
    <message numerus="yes">
        <location filename="../../rtstation/gui/models/plan_tree_model.py" line="+107"/>
        <source>%n plan(s)</source>
        <translation>
            <numerusform>%n Plan</numerusform>
            <numerusform>%n Pläne</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../rtstation/gui/models/plan_tree_cells.py" line="+21"/>
        <source>Unconnected</source>
        <translation>Nicht zugeordnet</translation>
    </message>
    <message>
        <location line="+33"/>
        <source>Incomplete: missing %1</source>
        <translation>Unvollständig: es fehlt %1</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Everything the plan references is here</source>
        <translation>Alles, worauf der Plan verweist, ist da</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Not sent anywhere yet</source>
        <translation>Noch nirgendwohin gesendet</translation>
    </message>
    <message>
        <location filename="../../rtstation/gui/controllers/tree_data.py" line="+212"/>
        <source>the structure set</source>
        <translation>das Structure Set</translation>
    </message>
</context>
<context>
    <name>PlanTreePanel</name>
    <message>
        <location filename="../../rtstation/gui/widgets/plan_tree_panel.py" line="+85"/>
        <location line="+68"/>
        <source>Filter by patient ID, name or plan label</source>
        <translation>Nach Patienten-ID, Name oder Plan-Label filtern</translation>
    </message>
    <message>
        <location line="-23"/>
        <source>Nothing received yet. The receiver is listening: send plans to it from the planning system, or drop DICOM folders, files or ZIP archives here to import them.</source>
        <translation>Noch nichts empfangen. Der Empfänger ist bereit: Senden Sie Pläne aus dem Planungssystem, oder ziehen Sie DICOM-Ordner, -Dateien oder ZIP-Archive hierher, um sie zu importieren.</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Nothing received yet. Start the receiver, or drop DICOM folders, files or ZIP archives here to import them.</source>
        <translation>Noch nichts empfangen. Starten Sie den Empfänger, oder ziehen Sie DICOM-Ordner, -Dateien oder ZIP-Archive hierher, um sie zu importieren.</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Loading the received plans...</source>
        <translation>Empfangene Pläne werden geladen …</translation>
    </message>
</context>
<context>
    <name>ReceiverControl</name>
    <message>
        <location filename="../../rtstation/gui/widgets/receiver_control.py" line="+40"/>
        <source>Receiver stopped</source>
        <translation>Empfänger gestoppt</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Stop receiver</source>
        <translation>DICOM-Empfänger stoppen</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Start receiver</source>
        <translation>DICOM-Empfänger starten</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Stop accepting DICOM associations</source>
        <translation>Keine DICOM-Assoziationen mehr annehmen</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Start the DICOM storage receiver</source>
        <translation>Den DICOM-Empfänger (Storage SCP) starten</translation>
    </message>
</context>
<context>
    <name>ReceiverController</name>
    <message>
        <location filename="../../rtstation/gui/controllers/receiver_controller.py" line="+50"/>
        <source>Starting the receiver...</source>
        <translation>Empfänger wird gestartet ...</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Stopping the receiver...</source>
        <translation>Empfänger wird gestoppt ...</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>The DICOM receiver could not start.</source>
        <translation>Der DICOM-Empfänger konnte nicht starten.</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>The DICOM receiver could not be stopped cleanly.</source>
        <translation>Der DICOM-Empfänger konnte nicht sauber gestoppt werden.</translation>
    </message>
</context>
<context>
    <name>RejectedFilesModel</name>
    <message>
        <location filename="../../rtstation/gui/dialogs/import_summary.py" line="-54"/>
        <source>Reason</source>
        <translation>Grund</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>File or folder</source>
        <translation>Datei oder Ordner</translation>
    </message>
</context>
<context>
    <name>RetrieveDialog</name>
    <message>
        <location filename="../../rtstation/gui/dialogs/retrieve_dialog.py" line="+69"/>
        <source>Retrieve from an archive</source>
        <translation>Aus einem Archiv abrufen</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>C-MOVE to this station&apos;s receiver</source>
        <translation>C-MOVE an den Empfänger dieser Station</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>C-GET (nothing has to reach our port)</source>
        <translation>C-GET (unser Port muss nicht erreichbar sein)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>P1;P2</source>
        <translation>P1;P2</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>for example Doe*</source>
        <translation>zum Beispiel Muster*</translation>
    </message>
    <message>
        <location line="+2"/>
        <location line="+2"/>
        <source>YYYYMMDD</source>
        <translation>JJJJMMTT</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>any</source>
        <translation>alle</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>to</source>
        <translation>bis</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Load patient list…</source>
        <translation>Patientenliste laden …</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Query</source>
        <translation>Abfragen</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Archive</source>
        <translation>Archiv</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Retrieve by</source>
        <translation>Abrufen per</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Patient IDs</source>
        <translation>Patienten-IDs</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Patient name</source>
        <translation>Patientenname</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Study date</source>
        <translation>Studiendatum</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Modality</source>
        <translation>Modalität</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Patient / study / series</source>
        <translation>Patient / Studie / Serie</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Details</source>
        <translation>Details</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Only approved plans</source>
        <translation>Nur genehmigte Pläne</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Into the station</source>
        <translation>In die Station</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>To a folder</source>
        <translation>In einen Ordner</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Browse…</source>
        <translation>Durchsuchen …</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Retrieve</source>
        <translation>Abrufen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Close</source>
        <translation>Schließen</translation>
    </message>
    <message>
        <location line="+47"/>
        <source>Add the archive as a node in the settings first.</source>
        <translation>Legen Sie das Archiv zuerst in den Einstellungen als Knoten an.</translation>
    </message>
    <message>
        <location line="+34"/>
        <source>Querying the archive…</source>
        <translation>Archiv wird abgefragt …</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>%1 patient(s) found.</source>
        <translation>%1 Patient(en) gefunden.</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>(study)</source>
        <translation>(Studie)</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Plan %1</source>
        <translation>Plan %1</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>%1 instance(s)</source>
        <translation>%1 Instanz(en)</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Patient list</source>
        <translation>Patientenliste</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Patient lists (*.json);;All files (*)</source>
        <translation>Patientenlisten (*.json);;Alle Dateien (*)</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>%1 patient(s) loaded from the list.</source>
        <translation>%1 Patient(en) aus der Liste geladen.</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Retrieve into folder</source>
        <translation>In Ordner abrufen</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Retrieving…</source>
        <translation>Wird abgerufen …</translation>
    </message>
    <message>
        <location line="+48"/>
        <source>%1: %2 file(s) retrieved.</source>
        <translation>%1: %2 Datei(en) abgerufen.</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>%1: cancelled.</source>
        <translation>%1: abgebrochen.</translation>
    </message>
</context>
<context>
    <name>RuleReason</name>
    <message>
        <location filename="../../rtstation/gui/rule_reasons.py" line="+21"/>
        <source>all rules are switched off in rules.ini [General] rules_enabled</source>
        <translation>alle Regeln sind in rules.ini [General] rules_enabled ausgeschaltet</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>no forwarding rules are configured in rules.ini</source>
        <translation>in rules.ini sind keine Weiterleitungsregeln eingerichtet</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>rule is disabled</source>
        <translation>Regel ist deaktiviert</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>source AE {source} (any source accepted)</source>
        <translation>Quell-AE {source} (jede Quelle erlaubt)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>source AE {source}</source>
        <translation>Quell-AE {source}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>source AE {source} is not {allowed}</source>
        <translation>Quell-AE {source} ist nicht {allowed}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>source AE {source} is not one of {allowed}</source>
        <translation>Quell-AE {source} ist keiner von {allowed}</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>label {label} contains {match}</source>
        <translation>Label {label} enthält {match}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>label {label} does not contain {match}</source>
        <translation>Label {label} enthält {match} nicht</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>label {label} contains the excluded {exclude}</source>
        <translation>Label {label} enthält das ausgeschlossene {exclude}</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>label {label} does not contain the excluded {exclude}</source>
        <translation>Label {label} enthält das ausgeschlossene {exclude} nicht</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>{key} {pattern} is not a valid regular expression ({error})</source>
        <translation>{key} {pattern} ist kein gültiger regulärer Ausdruck ({error})</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>{key} {pattern} could not be applied ({error})</source>
        <translation>{key} {pattern} konnte nicht angewendet werden ({error})</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>label {text} matches plan_label_regex {pattern}</source>
        <translation>Label {text} passt zu plan_label_regex {pattern}</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>label {text} does not match plan_label_regex {pattern}</source>
        <translation>Label {text} passt nicht zu plan_label_regex {pattern}</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>name {text} matches plan_name_regex {pattern}</source>
        <translation>Name {text} passt zu plan_name_regex {pattern}</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>name {text} does not match plan_name_regex {pattern}</source>
        <translation>Name {text} passt nicht zu plan_name_regex {pattern}</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>plan is APPROVED</source>
        <translation>Plan ist APPROVED (freigegeben)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>approval status is {status}, rule requires APPROVED</source>
        <translation>Freigabestatus ist {status}, die Regel verlangt APPROVED</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>treatment machine {machine} is listed</source>
        <translation>Bestrahlungsgerät {machine} ist aufgeführt</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>plan names no treatment machine, rule requires one of {listed}</source>
        <translation>der Plan nennt kein Bestrahlungsgerät, die Regel verlangt eines von {listed}</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>treatment machine {machines} is not one of {listed}</source>
        <translation>Bestrahlungsgerät {machines} ist keines von {listed}</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>plan intent {intent} is listed</source>
        <translation>Planintention {intent} ist aufgeführt</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>plan intent {intent} is not one of {listed}</source>
        <translation>Planintention {intent} ist keine von {listed}</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>{modality} present</source>
        <translation>{modality} vorhanden</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>no {noun} yet (rule requires {modality})</source>
        <translation>{noun} fehlt noch (die Regel verlangt {modality})</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{explanation}</source>
        <translation>{explanation}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the plan&apos;s metrics are not computed yet (rule has a metrics_condition)</source>
        <translation>die Kennzahlen des Plans sind noch nicht berechnet (die Regel hat eine metrics_condition)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>{note}</source>
        <translation>{note}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>metrics_condition {condition} cannot be used: {error}</source>
        <translation>metrics_condition {condition} ist nicht verwendbar: {error}</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>metrics_condition {condition} could not be applied ({error})</source>
        <translation>metrics_condition {condition} konnte nicht angewendet werden ({error})</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>{modality} {have}/{expected}</source>
        <translation>{modality} {have}/{expected}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>structure set missing</source>
        <translation>Strukturset fehlt</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>no structure set</source>
        <translation>kein Strukturset</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>dose missing</source>
        <translation>Dosis fehlt</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>references missing</source>
        <translation>Referenzen fehlen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{noun} missing</source>
        <translation>{noun} fehlt</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>dose</source>
        <translation>Dosis</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>structure set</source>
        <translation>Strukturset</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>plan</source>
        <translation>Plan</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>RT image</source>
        <translation>RT-Bild</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>treatment record</source>
        <translation>Bestrahlungsprotokoll</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>CT images</source>
        <translation>CT-Bilder</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>MR images</source>
        <translation>MR-Bilder</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>PET images</source>
        <translation>PET-Bilder</translation>
    </message>
    <message>
        <location line="+36"/>
        <source>rule {names}</source>
        <translation>Regel {names}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>rule</source>
        <translation>Regel</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>follow-up of rule {names}</source>
        <translation>Nachlieferung zu Regel {names}</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>follow-up (late arrival)</source>
        <translation>Nachlieferung (später eingetroffen)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>manual</source>
        <translation>manuell</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Not decided by the rules when it arrived; today&apos;s rules say:</source>
        <translation>Beim Eintreffen nicht von den Regeln entschieden; die heutigen Regeln sagen:</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>(no target nodes)</source>
        <translation>(keine Zielknoten)</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Rule &quot;{rule}&quot;: matched -&gt; {targets}</source>
        <translation>Regel „{rule}“: trifft zu -&gt; {targets}</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Rule &quot;{rule}&quot;: not matched: {reasons}</source>
        <translation>Regel „{rule}“: trifft nicht zu: {reasons}</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Waiting for: {what}</source>
        <translation>Wartet auf: {what}</translation>
    </message>
    <message>
        <location line="+31"/>
        <source>forwarded by {rules}</source>
        <translation>weitergeleitet durch {rules}</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>waiting</source>
        <translation>wartet</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>no rule matched</source>
        <translation>keine Regel trifft zu</translation>
    </message>
</context>
<context>
    <name>RulesDialog</name>
    <message>
        <location filename="../../rtstation/gui/dialogs/rules_dialog.py" line="+88"/>
        <source>Forwarding rules</source>
        <translation>Weiterleitungsregeln</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Forward plans automatically (rules enabled)</source>
        <translation>Pläne automatisch weiterleiten (Regeln aktiv)</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Add</source>
        <translation>Hinzufügen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Duplicate</source>
        <translation>Duplizieren</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Remove</source>
        <translation>Entfernen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Move up</source>
        <translation>Nach oben</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Move down</source>
        <translation>Nach unten</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Rules (checked = enabled), in rules.ini order:</source>
        <translation>Regeln (angehakt = aktiv), in der Reihenfolge von rules.ini:</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>Test against selected plan</source>
        <translation>Mit ausgewähltem Plan testen</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Testing needs the main window&apos;s selected plan.</source>
        <translation>Zum Testen wird der im Hauptfenster ausgewählte Plan gebraucht.</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Select a plan in the main window, then test: every rule is listed with the reasons it matches or not. Nothing is sent.</source>
        <translation>Wählen Sie einen Plan im Hauptfenster und testen Sie dann: Jede Regel wird mit den Gründen aufgeführt, warum sie greift oder nicht. Es wird nichts gesendet.</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Test</source>
        <translation>Test</translation>
    </message>
    <message>
        <location line="+49"/>
        <source>Rule name:</source>
        <translation>Regelname:</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Which plans</source>
        <translation>Welche Pläne</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Source AE titles:</source>
        <translation>Quell-AE-Titel:</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>e.g. FOLLOW, ECLIPSE</source>
        <translation>z. B. FOLLOW, ECLIPSE</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Comma-separated. * = any, {folder} = folder imports</source>
        <translation>Durch Kommas getrennt. * = alle, {folder} = Ordner-Importe</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Plan label contains:</source>
        <translation>Plan-Label enthält:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>e.g. ADP (empty = any label)</source>
        <translation>z. B. ADP (leer = jedes Label)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Plan label excludes:</source>
        <translation>Plan-Label enthält nicht:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>e.g. QA (empty = exclude nothing)</source>
        <translation>z. B. QA (leer = nichts ausschließen)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Plan label regex:</source>
        <translation>Plan-Label (Regex):</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+4"/>
        <source>regular expression, not case-sensitive</source>
        <translation>regulärer Ausdruck, Groß-/Kleinschreibung egal</translation>
    </message>
    <message>
        <location line="-1"/>
        <source>Plan name regex:</source>
        <translation>Planname (Regex):</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Only approved plans</source>
        <translation>Nur freigegebene Pläne</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Treatment machines:</source>
        <translation>Bestrahlungsgeräte:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>comma-separated (empty = any machine)</source>
        <translation>durch Kommas getrennt (leer = jedes Gerät)</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>{value} (not a defined intent)</source>
        <translation>{value} (keine definierte Intention)</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Plan intents:</source>
        <translation>Planintentionen:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>None checked = any intent.</source>
        <translation>Keine angehakt = jede Intention.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Wait for:</source>
        <translation>Warten auf:</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The plan is forwarded once these have arrived with it.</source>
        <translation>Der Plan wird weitergeleitet, sobald diese mit ihm angekommen sind.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Metrics condition:</source>
        <translation>Metrik-Bedingung:</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>e.g. dmax_gy &lt;= 1.1 * prescription_gy (empty = none)</source>
        <translation>z. B. dmax_gy &lt;= 1.1 * prescription_gy (leer = keine)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Over the plan&apos;s metrics; the plan waits until they are computed.</source>
        <translation>Über die Metriken des Plans; der Plan wartet, bis sie berechnet sind.</translation>
    </message>
    <message>
        <location line="+5"/>
        <location line="+138"/>
        <source>Send to</source>
        <translation>Senden an</translation>
    </message>
    <message>
        <location line="-132"/>
        <source>{name} (not in settings)</source>
        <translation>{name} (nicht in den Einstellungen)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>No nodes are configured: add them in Settings first.</source>
        <translation>Keine Knoten eingerichtet: Legen Sie sie zuerst in den Einstellungen an.</translation>
    </message>
    <message>
        <location filename="../../rtstation/gui/dialogs/_rule_actions.py" line="+26"/>
        <source>While sending</source>
        <translation>Beim Senden</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Machine mapping:</source>
        <translation>Geräte-Zuordnung:</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>name in the plan=name at the destination, e.g. TB1=TrueBeam1</source>
        <translation>Name im Plan=Name beim Ziel, z. B. TB1=TrueBeam1</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Left of &apos;=&apos; the machine name as the plan has it (old), right of it the name the destination expects (new). The node gets a renamed copy; the stored plan is not changed.</source>
        <translation>Links vom &apos;=&apos; der Gerätename, wie er im Plan steht (alt), rechts der Name, den das Ziel erwartet (neu). Der Knoten erhält eine umbenannte Kopie; der gespeicherte Plan bleibt unverändert.</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Anonymize</source>
        <translation>Anonymisieren</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>The nodes get an anonymized copy of the plan, its structure set, images and doses, references intact (profile and options: settings.ini [Anonymization]); the stored files stay as they are.</source>
        <translation>Die Knoten erhalten eine anonymisierte Kopie des Plans, seines Structure Sets, der Bilder und Dosen, mit intakten Verweisen (Profil und Optionen: settings.ini [Anonymization]); die gespeicherten Dateien bleiben, wie sie sind.</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>New patient ID:</source>
        <translation>Neue Patienten-ID:</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>empty = derived (ANON and 10 hex digits, the same every time)</source>
        <translation>leer = abgeleitet (ANON und 10 Hexziffern, jedes Mal dieselbe)</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>New patient name:</source>
        <translation>Neuer Patientenname:</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>empty = the new patient ID</source>
        <translation>leer = die neue Patienten-ID</translation>
    </message>
    <message>
        <location filename="../../rtstation/gui/dialogs/rules_dialog.py" line="+117"/>
        <source>Rule &apos;{name}&apos;, {field}: {reason}</source>
        <translation>Regel &apos;{name}&apos;, {field}: {reason}</translation>
    </message>
    <message>
        <location line="-97"/>
        <source>{name} (disabled)</source>
        <translation>{name} (inaktiv)</translation>
    </message>
    <message>
        <location line="+50"/>
        <source>another rule is already called &apos;{name}&apos;; rule names must be unique</source>
        <translation>eine andere Regel heißt bereits &apos;{name}&apos;; Regelnamen müssen eindeutig sein</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>cannot be read: {error}</source>
        <translation>ist nicht lesbar: {error}</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>An enabled rule needs at least one target node.</source>
        <translation>Eine aktive Regel braucht mindestens einen Zielknoten.</translation>
    </message>
    <message>
        <location line="+26"/>
        <source>(unnamed rule)</source>
        <translation>(Regel ohne Namen)</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>({count} rules need attention.)</source>
        <translation>({count} Regeln müssen korrigiert werden.)</translation>
    </message>
    <message>
        <location line="+78"/>
        <source>The test failed: {error}</source>
        <translation>Der Test ist fehlgeschlagen: {error}</translation>
    </message>
    <message>
        <location filename="../../rtstation/gui/dialogs/_rule_test.py" line="+37"/>
        <source>Tested with plan {plan}</source>
        <translation>Getestet mit Plan {plan}</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Would be sent to {nodes}.</source>
        <translation>Würde an {nodes} gesendet.</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Would not be sent anywhere.</source>
        <translation>Würde nirgendwohin gesendet.</translation>
    </message>
    <message>
        <location line="+5"/>
        <location line="+36"/>
        <source>Waiting for: {what}</source>
        <translation>Wartet auf: {what}</translation>
    </message>
    <message>
        <location line="-20"/>
        <source>The plan&apos;s files are still being read: test again in a moment.</source>
        <translation>Die Dateien des Plans werden noch gelesen: bitte gleich noch einmal testen.</translation>
    </message>
    <message>
        <location filename="../../rtstation/gui/dialogs/_rules_list.py" line="+63"/>
        <source>New rule</source>
        <translation>Neue Regel</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>{name} (copy)</source>
        <translation>{name} (Kopie)</translation>
    </message>
</context>
<context>
    <name>RulesListModel</name>
    <message>
        <location filename="../../rtstation/gui/dialogs/_rule_drafts.py" line="+139"/>
        <source>(unnamed rule)</source>
        <translation>(Regel ohne Namen)</translation>
    </message>
</context>
<context>
    <name>SendController</name>
    <message>
        <location filename="../../rtstation/gui/controllers/send_controller.py" line="+88"/>
        <source>no approval status</source>
        <translation>kein Freigabestatus</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Send a plan that is not approved?</source>
        <translation>Nicht freigegebenen Plan senden?</translation>
    </message>
    <message numerus="yes">
        <location line="+1"/>
        <source>%n of the plans to send is not APPROVED. Send anyway?</source>
        <translation>
            <numerusform>%n der zu sendenden Pläne ist nicht APPROVED (freigegeben). Trotzdem senden?</numerusform>
            <numerusform>%n der zu sendenden Pläne sind nicht APPROVED (freigegeben). Trotzdem senden?</numerusform>
        </translation>
    </message>
    <message>
        <location line="+19"/>
        <source>Send incomplete plan?</source>
        <translation>Unvollständigen Plan senden?</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Some of the plans to send are incomplete: something they reference has not arrived. Send them anyway?</source>
        <translation>Einige der zu sendenden Pläne sind unvollständig: Etwas, auf das sie verweisen, ist nicht angekommen. Trotzdem senden?</translation>
    </message>
    <message>
        <location line="+22"/>
        <source>Send again?</source>
        <translation>Erneut senden?</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Some plans were already delivered to these nodes. Send everything again, or only what the node does not have yet?</source>
        <translation>Einige Pläne wurden bereits an diese Knoten geliefert. Alles erneut senden oder nur, was der Knoten noch nicht hat?</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Send again</source>
        <translation>Erneut senden</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Only what is new</source>
        <translation>Nur Neues</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>The plans could not be queued for sending.</source>
        <translation>Die Pläne konnten nicht zum Senden eingereiht werden.</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <location filename="../../rtstation/gui/dialogs/_nodes_table.py" line="-53"/>
        <source>OK</source>
        <translation>OK</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>OK, {ms} ms</source>
        <translation>OK, {ms} ms</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Failed: {reason}</source>
        <translation>Fehlgeschlagen: {reason}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>no reason given</source>
        <translation>kein Grund angegeben</translation>
    </message>
    <message>
        <location filename="../../rtstation/gui/dialogs/settings_dialog.py" line="+118"/>
        <source>Settings</source>
        <translation>Einstellungen</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>General</source>
        <translation>Allgemein</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Receiver</source>
        <translation>Empfänger</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+235"/>
        <source>Nodes</source>
        <translation>Knoten</translation>
    </message>
    <message>
        <location line="-234"/>
        <source>Sending</source>
        <translation>Senden</translation>
    </message>
    <message>
        <location filename="../../rtstation/gui/dialogs/_settings_housekeeping.py" line="+154"/>
        <location filename="../../rtstation/gui/dialogs/settings_dialog.py" line="+2"/>
        <source>Logging</source>
        <translation>Protokoll</translation>
    </message>
    <message>
        <location filename="../../rtstation/gui/dialogs/settings_dialog.py" line="+19"/>
        <source>Browse…</source>
        <translation>Durchsuchen …</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Folders</source>
        <translation>Ordner</translation>
    </message>
    <message>
        <location line="+3"/>
        <location line="+141"/>
        <source>Storage folder</source>
        <translation>Speicherordner</translation>
    </message>
    <message>
        <location line="-140"/>
        <source>Received and imported plans are kept here, by patient.</source>
        <translation>Empfangene und importierte Pläne liegen hier, nach Patienten geordnet.</translation>
    </message>
    <message>
        <location filename="../../rtstation/gui/dialogs/_settings_housekeeping.py" line="-112"/>
        <source>Retention</source>
        <extracomment>Number fields of the tab, with the label their problems are reported under.</extracomment>
        <translation>Aufbewahrung</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Remove plans older than:</source>
        <translation>Pläne entfernen, älter als:</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>days (0 = never)</source>
        <translation>Tage (0 = nie)</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Keep the storage below:</source>
        <translation>Speicher unter dieser Größe halten:</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>GB (0 = no limit)</source>
        <translation>GB (0 = keine Grenze)</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Only plans delivered to every node they were sent to (never pending work)</source>
        <translation>Nur Pläne, die an jeden Knoten geliefert wurden, an den sie gesendet wurden (nie offene Aufträge)</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Check every:</source>
        <translation>Prüfen alle:</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>minutes</source>
        <translation>Minuten</translation>
    </message>
    <message>
        <location line="+3"/>
        <location filename="../../rtstation/gui/dialogs/settings_dialog.py" line="+3"/>
        <location line="+138"/>
        <source>Import folder</source>
        <translation>Import-Ordner</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Watch the import folder and import what appears there</source>
        <translation>Import-Ordner überwachen und importieren, was dort erscheint</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Import once quiet for:</source>
        <translation>Importieren nach Ruhe von:</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Only files matching:</source>
        <translation>Nur Dateien passend zu:</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Never files matching:</source>
        <translation>Nie Dateien passend zu:</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Log files</source>
        <translation>Protokolldateien</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Start a new log file at:</source>
        <translation>Neue Protokolldatei beginnen ab:</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Delete old log files after:</source>
        <translation>Alte Protokolldateien löschen nach:</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>days (0 = keep)</source>
        <translation>Tagen (0 = behalten)</translation>
    </message>
    <message>
        <location line="+15"/>
        <location filename="../../rtstation/gui/dialogs/settings_dialog.py" line="-169"/>
        <source>Housekeeping</source>
        <translation>Aufräumen</translation>
    </message>
    <message>
        <location filename="../../rtstation/gui/dialogs/settings_dialog.py" line="+34"/>
        <source>Clear the import folder after a successful import</source>
        <translation>Import-Ordner nach erfolgreichem Import leeren</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Storage folder:</source>
        <translation>Speicherordner:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Import folder:</source>
        <translation>Import-Ordner:</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Language</source>
        <translation>Sprache</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>System language</source>
        <translation>Systemsprache</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>User interface:</source>
        <translation>Bedienoberfläche:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>A new language is used after rtstation restarts.</source>
        <translation>Eine neue Sprache gilt nach dem Neustart von rtstation.</translation>
    </message>
    <message>
        <location filename="../../rtstation/gui/dialogs/_settings_receiver.py" line="+53"/>
        <source>Senders must call this AE title.</source>
        <translation>Sender müssen diesen AE-Titel rufen.</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Refuse associations that call another AE title</source>
        <translation>Assoziationen ablehnen, die einen anderen AE-Titel rufen</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>The network address the receiver listens on: 0.0.0.0 = every network interface, 127.0.0.1 = this computer only.</source>
        <translation>Die Netzwerkadresse, auf der der Empfänger Verbindungen annimmt: 0.0.0.0 = alle Netzwerkschnittstellen, 127.0.0.1 = nur dieser Computer.</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Start the receiver when rtstation starts</source>
        <translation>Empfänger beim Start von rtstation starten</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>DICOM receiver</source>
        <translation>DICOM-Empfänger</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>AE title:</source>
        <translation>AE-Titel:</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Port:</source>
        <translation>Port:</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Listen on address:</source>
        <translation>Empfangsadresse:</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Senders at once:</source>
        <translation>Sender gleichzeitig:</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>associations</source>
        <translation>Assoziationen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>More are answered &apos;busy&apos;, and the sender tries again later.</source>
        <translation>Weitere erhalten die Antwort „belegt“, und der Sender versucht es später erneut.</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Wait for a sender&apos;s request:</source>
        <translation>Auf die Anfrage eines Senders warten:</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>A connection that sends no association request within this time is closed, so it cannot hold a slot.</source>
        <translation>Eine Verbindung, die in dieser Zeit keine Assoziationsanfrage sendet, wird geschlossen und belegt so keinen Platz.</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Settle time:</source>
        <translation>Wartezeit:</translation>
    </message>
    <message>
        <location filename="../../rtstation/gui/dialogs/_settings_housekeeping.py" line="-47"/>
        <location filename="../../rtstation/gui/dialogs/_settings_receiver.py" line="-9"/>
        <location line="+13"/>
        <location filename="../../rtstation/gui/dialogs/settings_dialog.py" line="+33"/>
        <location line="+8"/>
        <source>seconds</source>
        <translation>Sekunden</translation>
    </message>
    <message>
        <location filename="../../rtstation/gui/dialogs/_settings_receiver.py" line="+1"/>
        <source>Rules run when nothing new arrived for a plan for this long.</source>
        <translation>Die Regeln laufen, wenn so lange nichts Neues zu einem Plan angekommen ist.</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Minimum free space:</source>
        <translation>Mindestens freier Speicher:</translation>
    </message>
    <message>
        <location filename="../../rtstation/gui/dialogs/_settings_housekeeping.py" line="+24"/>
        <location filename="../../rtstation/gui/dialogs/_settings_receiver.py" line="+4"/>
        <source>MB</source>
        <translation>MB</translation>
    </message>
    <message>
        <location filename="../../rtstation/gui/dialogs/_settings_receiver.py" line="+1"/>
        <source>Below this, incoming instances are refused (0 = no limit).</source>
        <translation>Darunter werden eingehende Instanzen abgelehnt (0 = keine Grenze).</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Allowed senders</source>
        <translation>Zugelassene Sender</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Accept associations only from these senders</source>
        <translation>Assoziationen nur von diesen Sendern annehmen</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>AE title, or AE@host, e.g. FOLLOW@10.0.0.5</source>
        <translation>AE-Titel oder AE@Host, z. B. FOLLOW@10.0.0.5</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Add</source>
        <translation>Hinzufügen</translation>
    </message>
    <message>
        <location filename="../../rtstation/gui/dialogs/_settings_nodes.py" line="+64"/>
        <source>Add…</source>
        <translation>Hinzufügen …</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Edit…</source>
        <translation>Bearbeiten …</translation>
    </message>
    <message>
        <location line="+2"/>
        <location filename="../../rtstation/gui/dialogs/_settings_receiver.py" line="+2"/>
        <source>Remove</source>
        <translation>Entfernen</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Test</source>
        <translation>Testen</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Send a C-ECHO to the selected node</source>
        <translation>Ein C-ECHO an den ausgewählten Knoten senden</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Check both ways…</source>
        <translation>In beide Richtungen prüfen …</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>TCP, C-ECHO, our receiver port, and whether the node can reach us</source>
        <translation>TCP, C-ECHO, unser Empfangsport und ob der Knoten uns erreicht</translation>
    </message>
    <message>
        <location line="+30"/>
        <source>Rules name their target nodes: after renaming or removing a node, check the rules.</source>
        <translation>Regeln nennen ihre Zielknoten beim Namen: Prüfen Sie die Regeln, nachdem Sie einen Knoten umbenannt oder entfernt haben.</translation>
    </message>
    <message>
        <location line="+38"/>
        <location line="+100"/>
        <source>Test of &apos;{name}&apos;: {result}</source>
        <translation>Test von &apos;{name}&apos;: {result}</translation>
    </message>
    <message>
        <location line="-21"/>
        <source>Testing…</source>
        <translation>Teste…</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Testing &apos;{name}&apos; ({ae} at {host}:{port})…</source>
        <translation>Teste &apos;{name}&apos; ({ae} auf {host}:{port}) …</translation>
    </message>
    <message>
        <location filename="../../rtstation/gui/dialogs/settings_dialog.py" line="-17"/>
        <source>Retries</source>
        <translation>Wiederholungen</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Attempts per plan and node:</source>
        <translation>Versuche je Plan und Knoten:</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>First retry after:</source>
        <translation>Erste Wiederholung nach:</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Longest wait between retries:</source>
        <translation>Längste Pause zwischen Versuchen:</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>The wait grows after each failed attempt, up to this.</source>
        <translation>Die Pause wächst nach jedem Fehlversuch, höchstens bis hierhin.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>After sending</source>
        <translation>Nach dem Senden</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Delete a plan&apos;s files from the storage folder after it was sent successfully</source>
        <translation>Dateien eines Plans nach erfolgreichem Senden aus dem Speicherordner löschen</translation>
    </message>
    <message>
        <location filename="../../rtstation/gui/dialogs/_settings_housekeeping.py" line="+41"/>
        <source>Debug</source>
        <translation>Debug</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Info</source>
        <translation>Info</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Warning</source>
        <translation>Warnung</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Error</source>
        <translation>Fehler</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Verbose information (each instance and rule decision in the log)</source>
        <translation>Ausführliche Informationen (jede Instanz und Regelentscheidung im Protokoll)</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Log level:</source>
        <translation>Protokollstufe:</translation>
    </message>
    <message>
        <location filename="../../rtstation/gui/dialogs/settings_dialog.py" line="+75"/>
        <source>This folder does not exist yet.</source>
        <translation>Dieser Ordner existiert noch nicht.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>AE title</source>
        <translation>AE-Titel</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Listen on address</source>
        <translation>Empfangsadresse</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Port</source>
        <translation>Port</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Senders at once</source>
        <translation>Sender gleichzeitig</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Wait for a sender&apos;s request</source>
        <translation>Auf die Anfrage eines Senders warten</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Settle time</source>
        <translation>Wartezeit</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Minimum free space</source>
        <translation>Mindestens freier Speicher</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Attempts</source>
        <translation>Versuche</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>First retry after</source>
        <translation>Erste Wiederholung nach</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Longest wait between retries</source>
        <translation>Längste Pause zwischen Versuchen</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>must not be less than the first retry delay ({base} s)</source>
        <translation>darf nicht kleiner sein als die erste Pause ({base} s)</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>The list is empty, so every association will be rejected.</source>
        <translation>Die Liste ist leer, daher wird jede Assoziation abgelehnt.</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>another node is already called &apos;{name}&apos;; node names must be unique</source>
        <translation>ein anderer Knoten heißt bereits &apos;{name}&apos;; Knotennamen müssen eindeutig sein</translation>
    </message>
    <message>
        <location line="+42"/>
        <source>Please correct {field} on the {tab} tab: {reason}</source>
        <translation>Bitte korrigieren Sie „{field}“ auf der Seite „{tab}“: {reason}</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>({count} fields need attention.)</source>
        <translation>({count} Felder müssen korrigiert werden.)</translation>
    </message>
    <message>
        <location filename="../../rtstation/gui/dialogs/_settings_allow_list.py" line="+44"/>
        <source>&apos;{entry}&apos; is already in the list</source>
        <translation>&apos;{entry}&apos; steht schon in der Liste</translation>
    </message>
    <message>
        <location filename="../../rtstation/gui/dialogs/_settings_anonymization.py" line="+38"/>
        <source>Anonymized copies</source>
        <translation>Anonymisierte Kopien</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>aria: keeps what an ARIA import needs (plan label, ROI names)</source>
        <translation>aria: behält, was ein ARIA-Import braucht (Plan-Label, ROI-Namen)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>basic: the PS3.15 Basic Application Level Confidentiality</source>
        <translation>basic: das PS3.15-Basisprofil (Basic Application Level Confidentiality)</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Profile:</source>
        <translation>Profil:</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The profile&apos;s own options</source>
        <translation>Die eigenen Optionen des Profils</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Options:</source>
        <translation>Optionen:</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Refuse the file</source>
        <translation>Datei ablehnen</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Copy it and warn</source>
        <translation>Kopieren und warnen</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Text burned into the pixels:</source>
        <translation>In die Pixel eingebrannter Text:</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>For &apos;rtstation anonymize&apos; runs, so a second export gets the same UIDs. It holds the original identities: keep it apart from the anonymized data. Empty = a new map per run. Rules and imports use the station&apos;s own map.</source>
        <translation>Für Läufe von „rtstation anonymize“, damit ein zweiter Export dieselben UIDs erhält. Sie enthält die ursprünglichen Identitäten: getrennt von den anonymisierten Daten aufbewahren. Leer = eine neue Zuordnung je Lauf. Regeln und Importe nutzen die eigene Zuordnung der Station.</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>UID map file:</source>
        <translation>UID-Zuordnungsdatei:</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>The stored files are never changed: every anonymized copy is new.</source>
        <translation>Die gespeicherten Dateien werden nie verändert: jede anonymisierte Kopie ist neu.</translation>
    </message>
    <message>
        <location line="+23"/>
        <location filename="../../rtstation/gui/dialogs/settings_dialog.py" line="-277"/>
        <source>Anonymization</source>
        <translation>Anonymisierung</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>full dates and modified dates exclude each other; choose one</source>
        <translation>vollständige und veränderte Datumsangaben schließen einander aus; bitte eine wählen</translation>
    </message>
</context>
<context>
    <name>StationStatusBar</name>
    <message>
        <location filename="../../rtstation/gui/widgets/status_bar.py" line="+88"/>
        <source>%1 sending</source>
        <translation>%1 wird/werden gesendet</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>%1 waiting to retry</source>
        <translation>%1 wartet/warten auf Wiederholung</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>%1 failed</source>
        <translation>%1 fehlgeschlagen</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Queue: %1</source>
        <translation>Warteschlange: %1</translation>
    </message>
    <message>
        <location line="+2"/>
        <location line="+13"/>
        <source>Queue: idle</source>
        <translation>Warteschlange: leer</translation>
    </message>
    <message>
        <location line="-4"/>
        <source>Received since start: %1</source>
        <translation>Seit dem Start empfangen: %1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>(%1 refused)</source>
        <translation>(%1 abgelehnt)</translation>
    </message>
</context>
<context>
    <name>StatusController</name>
    <message>
        <location filename="../../rtstation/gui/controllers/status_controller.py" line="+67"/>
        <source>Replaced %1 from %2</source>
        <translation>%1 von %2 ersetzt</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Already had %1 from %2</source>
        <translation>%1 von %2 war schon vorhanden</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Stored %1 from %2</source>
        <translation>%1 von %2 gespeichert</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Refused an instance from %1: %2</source>
        <translation>Instanz von %1 abgelehnt: %2</translation>
    </message>
    <message numerus="yes">
        <location line="+9"/>
        <source>%n instance(s) received from %1</source>
        <translation>
            <numerusform>%n Instanz von %1 empfangen</numerusform>
            <numerusform>%n Instanzen von %1 empfangen</numerusform>
        </translation>
    </message>
    <message>
        <location line="+17"/>
        <source>Rules: plan %1 goes to %2</source>
        <translation>Regeln: Plan %1 geht an %2</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>Job %1 to %2 done</source>
        <translation>Auftrag %1 an %2 erledigt</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Job %1 to %2 failed: %3</source>
        <translation>Auftrag %1 an %2 fehlgeschlagen: %3</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Job %1 to %2 cancelled</source>
        <translation>Auftrag %1 an %2 abgebrochen</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Job %1 to %2: sending %3 of %4</source>
        <translation>Auftrag %1 an %2: sende %3 von %4</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Job %1 to %2 queued</source>
        <translation>Auftrag %1 an %2 eingereiht</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Job %1 to %2: %3</source>
        <translation>Auftrag %1 an %2: %3</translation>
    </message>
</context>
<context>
    <name>StoreDialog</name>
    <message>
        <location filename="../../rtstation/gui/dialogs/store_dialog.py" line="+58"/>
        <source>Store a folder to a node</source>
        <translation>Ordner an einen Knoten senden</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Browse…</source>
        <translation>Durchsuchen …</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Read folder</source>
        <translation>Ordner lesen</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Resume: skip files stored before (status file)</source>
        <translation>Fortsetzen: bereits gesendete Dateien überspringen (Statusdatei)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Continue after a refused file</source>
        <translation>Nach einer abgelehnten Datei weitermachen</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Send an anonymized copy (settings.ini [Anonymization]; no resume)</source>
        <translation>Eine anonymisierte Kopie senden (settings.ini [Anonymization]; ohne Fortsetzen)</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>new patient ID (empty = derived: ANON and 10 hex digits)</source>
        <translation>neue Patienten-ID (leer = abgeleitet: ANON und 10 Hexziffern)</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>new patient name (empty = the new patient ID)</source>
        <translation>neuer Patientenname (leer = die neue Patienten-ID)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Folder</source>
        <translation>Ordner</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Target node</source>
        <translation>Zielknoten</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>New patient ID</source>
        <translation>Neue Patienten-ID</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>New patient name</source>
        <translation>Neuer Patientenname</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Machine in the plans</source>
        <translation>Gerät in den Plänen</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Name on the target</source>
        <translation>Name im Zielsystem</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Plans found</source>
        <translation>Gefundene Pläne</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Machine mapping</source>
        <translation>Gerätezuordnung</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Before → after</source>
        <translation>Vorher → nachher</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Store</source>
        <translation>Senden</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Close</source>
        <translation>Schließen</translation>
    </message>
    <message>
        <location line="+101"/>
        <source>Folder to store</source>
        <translation>Zu sendender Ordner</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>The folder &apos;%1&apos; does not exist.</source>
        <translation>Der Ordner &apos;%1&apos; existiert nicht.</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Reading the folder…</source>
        <translation>Ordner wird gelesen …</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>no machine</source>
        <translation>kein Gerät</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>%1 file(s) to store, %2 stored before (skipped).</source>
        <translation>%1 Datei(en) zu senden, %2 bereits gesendet (übersprungen).</translation>
    </message>
    <message>
        <location line="+44"/>
        <source>Storing…</source>
        <translation>Wird gesendet …</translation>
    </message>
    <message>
        <location line="+38"/>
        <source>%1 stored, %2 refused, %3 not sent.</source>
        <translation>%1 gesendet, %2 abgelehnt, %3 nicht gesendet.</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Cancelled.</source>
        <translation>Abgebrochen.</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>First refused: &apos;%1&apos;: %2</source>
        <translation>Zuerst abgelehnt: &apos;%1&apos;: %2</translation>
    </message>
</context>
<context>
    <name>TaskDialog</name>
    <message>
        <location filename="../../rtstation/gui/dialogs/_task_dialog.py" line="+60"/>
        <source>Cancelled.</source>
        <translation>Abgebrochen.</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Cancelling…</source>
        <translation>Wird abgebrochen …</translation>
    </message>
</context>
<context>
    <name>ThemeController</name>
    <message>
        <location filename="../../rtstation/gui/theme.py" line="+143"/>
        <source>Follow the &amp;system</source>
        <translation>&amp;System folgen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Light</source>
        <translation>&amp;Hell</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Dark</source>
        <translation>&amp;Dunkel</translation>
    </message>
</context>
<context>
    <name>TrayController</name>
    <message>
        <location filename="../../rtstation/gui/tray.py" line="+53"/>
        <location line="+82"/>
        <source>rtstation</source>
        <translation>rtstation</translation>
    </message>
    <message>
        <location line="-80"/>
        <source>Show window</source>
        <translation>Fenster anzeigen</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Quit rtstation</source>
        <translation>rtstation beenden</translation>
    </message>
    <message>
        <location line="+36"/>
        <source>Keep running?</source>
        <translation>Weiterlaufen lassen?</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Keep the station running in the system tray when the window is closed?

It then goes on receiving and forwarding plans. Your answer is remembered; change it under View &gt; Keep running in the tray.</source>
        <translation>Soll die Station im Infobereich weiterlaufen, wenn das Fenster geschlossen wird?

Sie empfängt und leitet dann weiter Pläne weiter. Ihre Antwort wird gespeichert; ändern können Sie sie unter Ansicht &gt; Im Infobereich weiterlaufen.</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>rtstation is still running</source>
        <translation>rtstation läuft weiter</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Receiving and forwarding go on. Right-click the icon to quit.</source>
        <translation>Empfang und Weiterleitung laufen weiter. Zum Beenden mit der rechten Maustaste auf das Symbol klicken.</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Forwarding failed</source>
        <translation>Weiterleitung fehlgeschlagen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Plan %1 to %2: %3</source>
        <translation>Plan %1 an %2: %3</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>see the job list</source>
        <translation>siehe Auftragsliste</translation>
    </message>
</context>
<context>
    <name>_MissingWords</name>
    <message numerus="yes">
        <location filename="../../rtstation/gui/controllers/tree_data.py" line="-12"/>
        <source>%n %1 slice(s)</source>
        <translation>
            <numerusform>%n %1-Schicht</numerusform>
            <numerusform>%n %1-Schichten</numerusform>
        </translation>
    </message>
</context>
</TS>
