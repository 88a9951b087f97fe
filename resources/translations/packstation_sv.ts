<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="sv_SE">
<context>
    <name>BoxCard</name>
    <message>
        <location filename="../../packstation/gui/boxes_panel.py" line="22"/>
        <source>PACKING</source>
        <translation>PACKAS</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/boxes_panel.py" line="23"/>
        <source>WAITING TO SEND</source>
        <translation>VÄNTAR PÅ ATT SKICKAS</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/boxes_panel.py" line="24"/>
        <source>BOOKING…</source>
        <translation>BOKAS…</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/boxes_panel.py" line="25"/>
        <source>BOOKED · PRINTING</source>
        <translation>BOKAD · SKRIVS UT</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/boxes_panel.py" line="26"/>
        <source>LABEL PRINTED</source>
        <translation>ETIKETT UTSKRIVEN</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/boxes_panel.py" line="27"/>
        <source>NEEDS ATTENTION</source>
        <translation>KRÄVER ÅTGÄRD</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/boxes_panel.py" line="28"/>
        <source>VOIDED</source>
        <translation>MAKULERAD</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/boxes_panel.py" line="39"/>
        <source>Box %1</source>
        <translation>Kartong %1</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/boxes_panel.py" line="47"/>
        <source>Tracking %1</source>
        <translation>Spårning %1</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/boxes_panel.py" line="49"/>
        <source>Box tag %1</source>
        <translation>Kartonglapp %1</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/boxes_panel.py" line="53"/>
        <source>Type %1</source>
        <translation>Typ %1</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/boxes_panel.py" line="60"/>
        <source>, +%1 more</source>
        <translation>, +%1 till</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/boxes_panel.py" line="61"/>
        <source>1 item</source>
        <translation>1 artikel</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/boxes_panel.py" line="61"/>
        <source>%1 items</source>
        <translation>%1 artiklar</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/boxes_panel.py" line="64"/>
        <source>Empty: scan an item</source>
        <translation>Tom: skanna en artikel</translation>
    </message>
</context>
<context>
    <name>BoxesPanel</name>
    <message>
        <location filename="../../packstation/gui/boxes_panel.py" line="125"/>
        <location filename="../../packstation/gui/boxes_panel.py" line="173"/>
        <source>Boxes</source>
        <translation>Kartonger</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/boxes_panel.py" line="142"/>
        <source>No boxes yet. The first item scanned opens box 1.</source>
        <translation>Inga kartonger än. Första skannade varan öppnar kartong 1.</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/boxes_panel.py" line="173"/>
        <source>Boxes (%1)</source>
        <translation>Kartonger (%1)</translation>
    </message>
</context>
<context>
    <name>DemoSheetDialog</name>
    <message>
        <location filename="../../packstation/gui/demo_sheet_dialog.py" line="39"/>
        <source>Demo barcodes</source>
        <translation>Demostreckkoder</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/demo_sheet_dialog.py" line="45"/>
        <source>Scan these with your scanner, from the screen or printed: first the badge or an order&apos;s pick list, then its products, then the commands. To print them on the bench printer run %1 (add --output sheet.pdf for an office printer).</source>
        <translation>Skanna dessa med din skanner, från skärmen eller utskrivna: först brickan eller en orders plocklista, sedan dess produkter, sedan kommandona. Skriv ut dem på bänkens skrivare med %1 (lägg till --output sheet.pdf för en kontorsskrivare).</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/demo_sheet_dialog.py" line="60"/>
        <source>The sheet could not be drawn. Run %1 instead.</source>
        <translation>Arket kunde inte ritas. Kör %1 i stället.</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/demo_sheet_dialog.py" line="75"/>
        <source>Save as PDF…</source>
        <translation>Spara som PDF…</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/demo_sheet_dialog.py" line="95"/>
        <source>Save the demo barcodes</source>
        <translation>Spara demostreckkoderna</translation>
    </message>
</context>
<context>
    <name>DialogScans</name>
    <message>
        <location filename="../../packstation/gui/dialog_scans.py" line="57"/>
        <source>Close this dialog first — scan not used: %1</source>
        <translation>Stäng den här dialogen först — skanningen användes inte: %1</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/dialog_scans.py" line="63"/>
        <source>Badge read: %1</source>
        <translation>Bricka läst: %1</translation>
    </message>
</context>
<context>
    <name>EndOfDayDialog</name>
    <message>
        <location filename="../../packstation/gui/end_of_day_dialog.py" line="46"/>
        <source>End of day</source>
        <translation>Dagsavslut</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/end_of_day_dialog.py" line="52"/>
        <source>Books the carrier pickup for every parcel packed here that has not been handed over yet, then prints the pickup manifest for the driver.</source>
        <translation>Bokar transportörens upphämtning för varje kolli som packats här och inte lämnats över än, och skriver sedan ut upphämtningslistan till chauffören.</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/end_of_day_dialog.py" line="69"/>
        <source>Book pickups</source>
        <translation>Boka upphämtning</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/end_of_day_dialog.py" line="70"/>
        <source>Print manifest</source>
        <translation>Skriv ut lista</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/end_of_day_dialog.py" line="71"/>
        <source>Export CSV…</source>
        <translation>Exportera CSV…</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/end_of_day_dialog.py" line="72"/>
        <source>Export PDF…</source>
        <translation>Exportera PDF…</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/end_of_day_dialog.py" line="73"/>
        <source>Close</source>
        <translation>Stäng</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/end_of_day_dialog.py" line="110"/>
        <source>%n parcel(s) not handed over yet.</source>
        <translation>%n kolli har inte lämnats över än.</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/end_of_day_dialog.py" line="112"/>
        <source>%n more parcel(s) were booked since; Book pickups adds them.</source>
        <translation>%n kolli till har bokats sedan dess; Boka upphämtning lägger till dem.</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/end_of_day_dialog.py" line="118"/>
        <source>No parcels are waiting for a pickup.</source>
        <translation>Inga kolli väntar på upphämtning.</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/end_of_day_dialog.py" line="123"/>
        <source>%1 of %2 pickups booked</source>
        <translation>%1 av %2 upphämtningar bokade</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/end_of_day_dialog.py" line="131"/>
        <source>Ingrid refused these pickups; check them in Ingrid:</source>
        <translation>Ingrid avvisade de här upphämtningarna; kontrollera dem i Ingrid:</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/end_of_day_dialog.py" line="136"/>
        <source>All pickups are booked. Print or export the manifest.</source>
        <translation>Alla upphämtningar är bokade. Skriv ut eller exportera listan.</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/end_of_day_dialog.py" line="139"/>
        <source>Booking pickups… This continues in the background if you close this window.</source>
        <translation>Bokar upphämtningar… Det fortsätter i bakgrunden om du stänger fönstret.</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/end_of_day_dialog.py" line="150"/>
        <source>Save the manifest as CSV</source>
        <translation>Spara listan som CSV</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/end_of_day_dialog.py" line="150"/>
        <source>Save the manifest as PDF</source>
        <translation>Spara listan som PDF</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/end_of_day_dialog.py" line="161"/>
        <source>Could not save the manifest: %1</source>
        <translation>Kunde inte spara listan: %1</translation>
    </message>
</context>
<context>
    <name>LabelPreview</name>
    <message>
        <location filename="../../packstation/gui/label_preview.py" line="21"/>
        <source>Last label</source>
        <translation>Senaste etikett</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/label_preview.py" line="43"/>
        <location filename="../../packstation/gui/label_preview.py" line="64"/>
        <source>No label printed yet</source>
        <translation>Ingen etikett utskriven än</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/label_preview.py" line="68"/>
        <source>Label preview not available
(the label itself is not affected)</source>
        <translation>Förhandsvisning saknas
(själva etiketten påverkas inte)</translation>
    </message>
</context>
<context>
    <name>LinesTable</name>
    <message>
        <location filename="../../packstation/gui/order_view.py" line="158"/>
        <source>Item</source>
        <translation>Vara</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/order_view.py" line="158"/>
        <source>Packed</source>
        <translation>Packat</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/order_view.py" line="158"/>
        <source>To go</source>
        <translation>Kvar</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/order_view.py" line="233"/>
        <source>%1 too many</source>
        <translation>%1 för många</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/order_view.py" line="235"/>
        <source>%1 more</source>
        <translation>%1 till</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/order_view.py" line="237"/>
        <source>✓ done</source>
        <translation>✓ klart</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../packstation/gui/main_window.py" line="56"/>
        <source>End of day</source>
        <translation>Dagsavslut</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/main_window.py" line="57"/>
        <source>Packer stats</source>
        <translation>Packarstatistik</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/main_window.py" line="58"/>
        <source>Outbox</source>
        <translation>Utkorg</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/main_window.py" line="59"/>
        <source>Demo barcodes</source>
        <translation>Demostreckkoder</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/main_window.py" line="222"/>
        <source>Scan the pick list of the next order</source>
        <translation>Skanna plocklistan för nästa order</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/main_window.py" line="224"/>
        <source>No scanner? Type the order number in the field below and press Enter.</source>
        <translation>Ingen skanner? Skriv ordernumret i fältet nedan och tryck Enter.</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/main_window.py" line="227"/>
        <source>Sign in: scan your badge</source>
        <translation>Logga in: skanna din bricka</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/main_window.py" line="229"/>
        <source>No badge? Type USER: and your name (USER:Anna) in the field below and press Enter.</source>
        <translation>Ingen bricka? Skriv USER: och ditt namn (USER:Anna) i fältet nedan och tryck Enter.</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/main_window.py" line="238"/>
        <source>Type a code:</source>
        <translation>Skriv en kod:</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/main_window.py" line="242"/>
        <source>order, item or command, then Enter  (Ctrl+L)</source>
        <translation>order, vara eller kommando, sedan Enter  (Ctrl+L)</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/main_window.py" line="265"/>
        <source>Last scan: %1</source>
        <translation>Senaste skanning: %1</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/main_window.py" line="321"/>
        <source>Parked: %1</source>
        <translation>Parkerade: %1</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/main_window.py" line="387"/>
        <source>Close packstation?</source>
        <translation>Stänga packstation?</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/main_window.py" line="390"/>
        <source>Order %1 is open. It is safe in the station&apos;s database: packstation brings it back, with its boxes, when it starts again. Close packstation now?</source>
        <translation>Order %1 är öppen. Den är säker i stationens databas: packstation tar fram den igen, med sina kartonger, när den startar nästa gång. Stänga packstation nu?</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/main_window.py" line="394"/>
        <source>Close packstation</source>
        <translation>Stäng packstation</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/main_window.py" line="395"/>
        <source>Keep packing</source>
        <translation>Fortsätt packa</translation>
    </message>
</context>
<context>
    <name>OrderHeaderWidget</name>
    <message>
        <location filename="../../packstation/gui/order_view.py" line="51"/>
        <location filename="../../packstation/gui/order_view.py" line="99"/>
        <source>No order open</source>
        <translation>Ingen order öppen</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/order_view.py" line="81"/>
        <source>Settings</source>
        <translation>Inställningar</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/order_view.py" line="82"/>
        <source>Settings (API, printer, box types, sounds)</source>
        <translation>Inställningar (API, skrivare, kartongtyper, ljud)</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/order_view.py" line="96"/>
        <source>Not signed in: scan your badge</source>
        <translation>Inte inloggad: skanna din bricka</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/order_view.py" line="100"/>
        <source>Ready for the next order</source>
        <translation>Redo för nästa order</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/order_view.py" line="105"/>
        <source>Order %1</source>
        <translation>Order %1</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/order_view.py" line="105"/>
        <source>  ✓ packed</source>
        <translation>  ✓ packad</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/order_view.py" line="109"/>
        <source>%1 parcels expected</source>
        <translation>%1 kolli väntas</translation>
    </message>
</context>
<context>
    <name>OutboxDialog</name>
    <message>
        <location filename="../../packstation/gui/outbox_dialog.py" line="53"/>
        <source>Outbox and print queue</source>
        <translation>Utkorg och utskriftskö</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/outbox_dialog.py" line="66"/>
        <source>State</source>
        <translation>Läge</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/outbox_dialog.py" line="66"/>
        <source>What</source>
        <translation>Vad</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/outbox_dialog.py" line="66"/>
        <source>Details</source>
        <translation>Detaljer</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/outbox_dialog.py" line="85"/>
        <source>&amp;Retry</source>
        <translation>&amp;Försök igen</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/outbox_dialog.py" line="86"/>
        <source>Re&amp;print</source>
        <translation>Skriv &amp;ut igen</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/outbox_dialog.py" line="87"/>
        <source>Re&amp;fresh</source>
        <translation>&amp;Uppdatera</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/outbox_dialog.py" line="93"/>
        <source>Close (Esc)</source>
        <translation>Stäng (Esc)</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/outbox_dialog.py" line="118"/>
        <source>Nothing waiting: every operation is sent and every label printed.</source>
        <translation>Inget väntar: allt är skickat och varje etikett utskriven.</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/outbox_dialog.py" line="121"/>
        <source>%1 need attention, %2 prints failed, %3 waiting to send, %4 waiting to print.</source>
        <translation>%1 behöver åtgärd, %2 utskrifter misslyckades, %3 väntar på att skickas, %4 väntar på utskrift.</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="164"/>
        <source>packstation settings</source>
        <translation>packstation – inställningar</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="252"/>
        <source>Ingrid API</source>
        <translation>Ingrid API</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="259"/>
        <source>https://…</source>
        <translation>https://…</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="273"/>
        <source>Environment</source>
        <translation>Miljö</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="79"/>
        <location filename="../../packstation/gui/settings_dialog.py" line="274"/>
        <source>Custom URL</source>
        <translation>Egen URL</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="76"/>
        <source>Production</source>
        <translation>Produktion</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="77"/>
        <source>Stage (testing)</source>
        <translation>Stage (test)</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="82"/>
        <source>No scale</source>
        <translation>Ingen våg</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="83"/>
        <source>USB scale</source>
        <translation>USB-våg</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="84"/>
        <source>Type weights by hand</source>
        <translation>Skriv in vikter för hand</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="88"/>
        <source>Keyboard wedge (USB scanner that types)</source>
        <translation>Tangentbordsläge (USB-skanner som skriver)</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="89"/>
        <source>Serial port</source>
        <translation>Seriell port</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="275"/>
        <source>Site id</source>
        <translation>Site-id</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="276"/>
        <source>API token</source>
        <translation>API-token</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="289"/>
        <source>Refresh list</source>
        <translation>Uppdatera listan</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="139"/>
        <source>Print test label</source>
        <translation>Skriv ut testetikett</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="123"/>
        <source>Printer URI</source>
        <translation>Skrivar-URI</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="313"/>
        <source>Found</source>
        <translation>Hittade</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="324"/>
        <source>Box types (scan BOX:&lt;code&gt; to close a box as that type)</source>
        <translation>Kartongtyper (skanna BOX:&lt;kod&gt; för att stänga en kartong som den typen)</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="334"/>
        <source>Add box type</source>
        <translation>Lägg till kartongtyp</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="336"/>
        <source>Remove selected</source>
        <translation>Ta bort markerade</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="344"/>
        <source>Default for CMD:CLOSE-BOX:</source>
        <translation>Standard för CMD:CLOSE-BOX:</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="187"/>
        <location filename="../../packstation/gui/settings_dialog.py" line="351"/>
        <source>This bench</source>
        <translation>Den här bänken</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="125"/>
        <source>Document printer</source>
        <translation>Dokumentskrivare</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="128"/>
        <source>usb:0x0a5f:0x0164, tcp://10.0.0.7:9100, cups:Zebra, file:/tmp/labels.bin, preview</source>
        <translation>usb:0x0a5f:0x0164, tcp://10.0.0.7:9100, cups:Zebra, file:/tmp/labels.bin, preview</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="134"/>
        <source>empty: none; an A4/Letter office printer: cups:QUEUE or win32:PRINTER NAME</source>
        <translation>tomt: ingen; en A4/Letter-kontorsskrivare: cups:KÖ eller win32:SKRIVARNAMN</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="140"/>
        <source>Print test receipt</source>
        <translation>Skriv ut testkvitto</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="141"/>
        <source>Print test page</source>
        <translation>Skriv ut testsida</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="185"/>
        <source>Connection and printer</source>
        <translation>Anslutning och skrivare</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="186"/>
        <source>Box types</source>
        <translation>Kartongtyper</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="188"/>
        <source>Weighing, slips, tracking</source>
        <translation>Vägning, följesedlar, spårning</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="190"/>
        <source>Catalogue</source>
        <translation>Katalog</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="208"/>
        <source>Save (Enter)</source>
        <translation>Spara (Enter)</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="209"/>
        <source>Cancel (Esc)</source>
        <translation>Avbryt (Esc)</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="282"/>
        <source>Printers</source>
        <translation>Skrivare</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="354"/>
        <source>or scan a badge (USER:&lt;name&gt;)</source>
        <translation>eller skanna en bricka (USER:&lt;namn&gt;)</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="356"/>
        <source>Play a sound for good and wrong scans</source>
        <translation>Spela ett ljud vid rätt och fel skanning</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="358"/>
        <source>Close the box by itself when the last item is scanned</source>
        <translation>Stäng kartongen automatiskt när sista varan skannas</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="372"/>
        <source>/dev/ttyACM0 or COM3 (add ?baud=9600 if needed)</source>
        <translation>/dev/ttyACM0 eller COM3 (lägg till ?baud=9600 vid behov)</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="378"/>
        <source>Packer</source>
        <translation>Packare</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="379"/>
        <source>Language</source>
        <translation>Språk</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="380"/>
        <source>Scanner</source>
        <translation>Skanner</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="386"/>
        <source>Weighing, packing slips, tracking</source>
        <translation>Vägning, följesedlar, spårning</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="395"/>
        <source>vendor:product in hex, e.g. 0922:8003 (empty: any)</source>
        <translation>tillverkare:produkt i hex, t.ex. 0922:8003 (tomt: vilken som helst)</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="399"/>
        <source>A box closes only with a steady weight</source>
        <translation>En kartong stängs bara med en stabil vikt</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="401"/>
        <source>Allow typed weights (W:1.25kg) when the scale fails</source>
        <translation>Tillåt inskrivna vikter (W:1.25kg) när vågen inte fungerar</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="405"/>
        <source>Print a packing slip for each packed order</source>
        <translation>Skriv ut en följesedel för varje packad order</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="131"/>
        <source>empty: the label printer, if it prints ESC/POS</source>
        <translation>tomt: etikettskrivaren, om den skriver ESC/POS</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="407"/>
        <source>Publish a &quot;packed&quot; tracking event when an order is packed</source>
        <translation>Publicera en spårningshändelse &quot;packad&quot; när en order är packad</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="410"/>
        <source>Scale</source>
        <translation>Våg</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="124"/>
        <source>Receipt printer URI</source>
        <translation>Kvittoskrivarens URI</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="415"/>
        <source>Custom event type id</source>
        <translation>Id för egen händelsetyp</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="98"/>
        <source>Give the serial scanner&apos;s port, like /dev/ttyACM0 or COM3.</source>
        <translation>Ange den seriella skannerns port, t.ex. /dev/ttyACM0 eller COM3.</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="95"/>
        <source>Scale ids are hex numbers like 0922:8003 (vendor:product).</source>
        <translation>Vågens id är hexadecimala tal som 0922:8003 (tillverkare:produkt).</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="419"/>
        <source>Product catalogue (barcode → SKU)</source>
        <translation>Produktkatalog (streckkod → artikelnummer)</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="426"/>
        <source>Import the merchant&apos;s ERP/WMS export: CSV with a header row, or JSON lines, with the columns barcode, sku and optionally name, units, weight_g. The whole file is checked first: a bad row is named by its line and nothing changes. It applies at once.</source>
        <translation>Importera handlarens export från affärs- eller lagersystemet: CSV med rubrikrad, eller JSON-rader, med kolumnerna barcode, sku och valfritt name, units, weight_g. Hela filen kontrolleras först: en felaktig rad anges med sitt radnummer och inget ändras. Den gäller direkt.</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="432"/>
        <source>Replace: the file is the whole catalogue</source>
        <translation>Ersätt: filen är hela katalogen</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="433"/>
        <source>Merge: add and update rows, remove none</source>
        <translation>Sammanfoga: lägg till och uppdatera rader, ta inte bort några</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="438"/>
        <source>Import a catalogue file…</source>
        <translation>Importera en katalogfil…</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="463"/>
        <source>Import a catalogue file</source>
        <translation>Importera en katalogfil</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="465"/>
        <source>Catalogue files (*.csv *.jsonl *.json *.txt);;All files (*)</source>
        <translation>Katalogfiler (*.csv *.jsonl *.json *.txt);;Alla filer (*)</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="541"/>
        <source>No printers found (check the cable and power)</source>
        <translation>Inga skrivare hittades (kontrollera kabel och ström)</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="543"/>
        <source>Choose a printer found on this computer…</source>
        <translation>Välj en skrivare som hittats på den här datorn…</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="556"/>
        <source>Enter or choose a printer first.</source>
        <translation>Ange eller välj en skrivare först.</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="559"/>
        <source>Sending a test page…</source>
        <translation>Skickar en testsida…</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="561"/>
        <source>Sending a test label…</source>
        <translation>Skickar en testetikett…</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="101"/>
        <source>Give the custom event type id for the packed tracking event.</source>
        <translation>Ange id för den egna händelsetypen för spårningshändelsen packad.</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="639"/>
        <source>token from PACKSTATION_API_TOKEN (this run&apos;s environment; it wins over a stored token)</source>
        <translation>token från PACKSTATION_API_TOKEN (den här körningens miljö; den går före en sparad token)</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="643"/>
        <source>token stored (type a new one to replace it)</source>
        <translation>token sparad (skriv en ny för att ersätta den)</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="646"/>
        <source>the demo&apos;s own token (nothing to enter)</source>
        <translation>demons egen token (inget att fylla i)</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="649"/>
        <source>no token stored: paste the API token</source>
        <translation>ingen token sparad: klistra in API-token</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="657"/>
        <source>This is the demo: settings are not saved. Start packstation without --demo to set up this station.</source>
        <translation>Det här är demot: inställningarna sparas inte. Starta packstation utan --demo för att ställa in den här stationen.</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="683"/>
        <source>Settings saved</source>
        <translation>Inställningarna sparade</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="685"/>
        <source>Settings saved. They take effect when packstation restarts; nothing is lost (open orders, boxes and labels waiting to print are kept).</source>
        <translation>Inställningarna är sparade. De gäller när packstation startas om; inget går förlorat (öppna ordrar, kartonger och etiketter som väntar på utskrift finns kvar).</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="692"/>
        <source>Restart now</source>
        <translation>Starta om nu</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/settings_dialog.py" line="695"/>
        <source>Later</source>
        <translation>Senare</translation>
    </message>
</context>
<context>
    <name>StationStatusBar</name>
    <message>
        <location filename="../../packstation/gui/status_bar.py" line="23"/>
        <source>Online</source>
        <translation>Ansluten</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/status_bar.py" line="25"/>
        <source>Connection slow: still trying</source>
        <translation>Långsam anslutning: försöker igen</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/status_bar.py" line="28"/>
        <source>OFFLINE: keep packing, labels print when back</source>
        <translation>OFFLINE: packa vidare, etiketter skrivs ut sen</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/status_bar.py" line="32"/>
        <source>Sending paused: see the red strip</source>
        <translation>Sändning pausad: se den röda raden</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/status_bar.py" line="102"/>
        <source>%1 waiting to send when back online</source>
        <translation>%1 väntar på att skickas när anslutningen är tillbaka</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/status_bar.py" line="105"/>
        <source>%1 waiting to send</source>
        <translation>%1 väntar på att skickas</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/status_bar.py" line="107"/>
        <source>Nothing waiting to send</source>
        <translation>Inget väntar på att skickas</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/status_bar.py" line="111"/>
        <source>1 needs attention</source>
        <translation>1 kräver åtgärd</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/status_bar.py" line="111"/>
        <source>%1 need attention</source>
        <translation>%1 kräver åtgärd</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/status_bar.py" line="117"/>
        <source>1 label to print</source>
        <translation>1 etikett att skriva ut</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/status_bar.py" line="117"/>
        <source>%1 labels to print</source>
        <translation>%1 etiketter att skriva ut</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/status_bar.py" line="124"/>
        <source>Printer ready</source>
        <translation>Skrivaren är redo</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/status_bar.py" line="124"/>
        <source>Printer problem</source>
        <translation>Problem med skrivaren</translation>
    </message>
</context>
<context>
    <name>StatsDialog</name>
    <message>
        <location filename="../../packstation/gui/stats_dialog.py" line="122"/>
        <source>Packer statistics</source>
        <translation>Packarstatistik</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/stats_dialog.py" line="129"/>
        <source>Orders today</source>
        <translation>Order i dag</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/stats_dialog.py" line="130"/>
        <source>Boxes today</source>
        <translation>Kartonger i dag</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/stats_dialog.py" line="131"/>
        <source>Scan error rate</source>
        <translation>Andel felskanningar</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/stats_dialog.py" line="132"/>
        <source>Average time per order</source>
        <translation>Snittid per order</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/stats_dialog.py" line="133"/>
        <source>Labels waiting</source>
        <translation>Etiketter som väntar</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/stats_dialog.py" line="153"/>
        <source>Orders per hour</source>
        <translation>Order per timme</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/stats_dialog.py" line="154"/>
        <source>Boxes per hour</source>
        <translation>Kartonger per timme</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/stats_dialog.py" line="160"/>
        <source>Packer</source>
        <translation>Packare</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/stats_dialog.py" line="161"/>
        <source>Orders</source>
        <translation>Order</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/stats_dialog.py" line="162"/>
        <source>Boxes</source>
        <translation>Kartonger</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/stats_dialog.py" line="163"/>
        <source>Orders/h</source>
        <translation>Order/h</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/stats_dialog.py" line="164"/>
        <source>Boxes/h</source>
        <translation>Kartonger/h</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/stats_dialog.py" line="165"/>
        <source>Scan errors</source>
        <translation>Felskanningar</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/stats_dialog.py" line="166"/>
        <source>Avg time/order</source>
        <translation>Snittid/order</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/stats_dialog.py" line="181"/>
        <source>Refresh</source>
        <translation>Uppdatera</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/stats_dialog.py" line="182"/>
        <source>Export CSV…</source>
        <translation>Exportera CSV…</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/stats_dialog.py" line="183"/>
        <source>Close</source>
        <translation>Stäng</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/stats_dialog.py" line="227"/>
        <source>Nothing packed today yet.</source>
        <translation>Inget packat i dag än.</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/stats_dialog.py" line="238"/>
        <source>Could not save: %1</source>
        <translation>Kunde inte spara: %1</translation>
    </message>
    <message>
        <location filename="../../packstation/gui/stats_dialog.py" line="242"/>
        <source>Save the statistics as CSV</source>
        <translation>Spara statistiken som CSV</translation>
    </message>
</context>
</TS>
