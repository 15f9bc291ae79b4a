
digest�J
Morning BriefingThe day's essential stories	CRBC News"ࣿ�*en-GB:�-
digest-0cPutin Holds Four‑Hour Kremlin Talks With Jared Kushner and Steve Witkoff on Possible Ukraine Deal�Russian President Vladimir Putin held more than four hours of private talks in the Kremlin with Jared Kushner and Steve Witkoff as Washington explores options to end the war in Ukraine. The meeting produced no public agreement and did not resolve the central territorial dispute. The talks follow controversy over a leaked set of 28 U.S. draft proposals and competing European counter‑proposals, with leaders deeply divided over core Russian demands such as limits on NATO and recognition of occupied regions. All sides remain guarded about whether a negotiated settlement is attainable."World*	CRBC News2
Guy Faulconbridge2
Timothy Heritage2
Gareth Jones2

Rod Nickel:MOSCOWB����J䪿�RenZRussiaZUkraineZ	DiplomacyZUnited StatesbBhttps://news.example.com/world/putin-kushner-witkoff-kremlin-talksj'© 2025 CRBC News. All rights reserved.z�
�
�Russian President Vladimir Putin met for more than four hours in the Kremlin with Jared Kushner and Steve Witkoff, who traveled as a private U.S. delegation exploring possible pathways to end the war in Ukraine. The meeting — attended by Putin’s foreign‑policy aide Yuri Ushakov and investment envoy Kirill Dmitriev, with interpreters present — ran late into the Moscow night and produced no public agreement.z�
�
�Shortly before the session, Putin warned European governments that a military confrontation with Russia would result in a swift and decisive outcome, and he dismissed European counter‑proposals on Ukraine as “absolutely unacceptable.” Russian and U.S. officials agreed not to disclose the substance of the talks; Ushakov said the American delegation would return to Washington to brief President Donald Trump and that no compromise had been reached on the central territorial questions.z�
�
�The Kremlin talks followed a contentious month of diplomacy. A leaked set of 28 U.S. draft peace proposals alarmed Ukrainian and European officials, who said the package appeared to accommodate several of Moscow’s core demands — including limits on NATO, territory‑related concessions, and restrictions on Ukraine’s armed forces. European capitals subsequently produced counter‑proposals, and U.S. and Ukrainian officials in Geneva said they had prepared an "updated and refined peace framework" intended to bring the war to an end.z�
�
�At a cabinet meeting in Washington earlier the same day, President Trump said the U.S. team was in Russia "to see if we can get it settled," calling the situation "not an easy situation" and repeating an administration estimate of 25,000–30,000 casualties per month. Independent casualty accounting for the conflict remains difficult; some U.S. officials have estimated total killed or wounded in the war at more than 1.2 million, though neither Kyiv nor Moscow publishes comprehensive figures.z�
�
�Witkoff told Putin he had enjoyed a walk in central Moscow earlier in the day — reportedly including a stroll across Red Square — and described the city as "magnificent." Delegation members included foreign‑policy aides and business envoys; both sides relied on interpreters for the talks.z�
�
�"They are on the side of war," Putin said of certain European powers, accusing them of proposing changes designed to block the peace process rather than advance it. He added that Russia did not seek war with Europe but warned that a European‑initiated conflict would be over so quickly "there would be no one left for Russia to negotiate with."z�
�
�Ukraine and its Western backers reject Moscow’s principal demands — which include a pledge that Ukraine will never join NATO, caps on the Ukrainian armed forces, Russian control or formal recognition of territory Moscow now occupies (including Crimea, parts of Donbas, Zaporizhzhia and Kherson), and special protections for Russian speakers — as tantamount to capitulation that would leave Kyiv vulnerable to future aggression. U.S. officials have discussed potential security guarantees for Ukraine, including proposals reportedly involving a time‑limited guarantee of protection.z�
�
�On the battlefield, Moscow has consolidated territorial gains in 2025 at their fastest pace since 2022, though pro‑Ukrainian maps and independent analysts estimate Russia still controls just over 19% of Ukraine — roughly 115,600 square kilometers — only marginally more than two years earlier. Russian forces released footage praising what they described as the capture of Pokrovsk; Ukrainian commanders said they still held parts of the city and had counterattacked some Russian positions.z�
�
�The roots of the confrontation reach back to 2014, when unrest in Kyiv led to the ouster of a pro‑Russian president, Russia’s annexation of Crimea and the start of an insurgency in eastern Ukraine. The full‑scale invasion launched in February 2022 escalated the standoff between Moscow and the West to its most serious level since the Cold War.z�
�
�As both delegations return to their capitals, officials on all sides expressed guarded skepticism about the prospects for a negotiated settlement. U.S. Senator Marco Rubio is among those who have tried to rework elements of the original U.S. draft to address Ukrainian and European concerns; he described the visit by the private delegation as an attempt to find a way to stop the fighting.��
:What is in the 28-point U.S. draft peace plan for Ukraine?<https://news.example.com/world/us-draft-peace-plan-explainedDThe draft proposals that set off weeks of diplomacy, point by point.�r
5European counter‑proposals on Ukraine: what changed9https://news.example.com/world/european-counter-proposals:�
digest-1aReactions from around the world: Москва, Αθήνα, 北京, القاهرة, ירושליםGOfficials and readers responded in their own languages — and scripts."World*	CRBC News2
Анна Иванова2
محمد العلي2
דוד כהן2
	王小明2+
'Γιώργος ΠαπαδόπουλοςB����RenzРусскийz�
�
�Президент России Владимир Путин провёл более четырёх часов переговоров в Кремле; «соглашения пока нет», сказал Ушаков.zΕλληνικάz�
�
�Η Αθήνα παρακολουθεί στενά τις διαπραγματεύσεις για την Ουκρανία και ζητά «δίκαιη και διαρκή ειρήνη».z
中文z�
�
�北京表示，希望各方通过对话和谈判解决分歧，尽快实现停火。外交部发言人在例行记者会上作出上述表示。z	日本語zp
n
l日本政府は、ウクライナ情勢をめぐる米ロ協議の行方を注視していると述べた。zالعربيةz�
�
�قال مسؤولون في القاهرة إن المحادثات في الكرملين استمرت أكثر من أربع ساعات دون التوصل إلى اتفاق.z
עבריתz�
�
�בירושלים אמרו גורמים רשמיים כי השיחות בקרמלין נמשכו יותר מארבע שעות ללא הסכם.zEmoji and combining marksz�
�
�Readers replied 🙂👍🏽 and 🇺🇦; the family emoji 👨‍👩‍👧 stays whole. Decomposed: Café, Nguyễn, Ångström.zP"N
Kyiv — Київ#
!Tbilisi — თბილისი
Seoul — 서울z`^
?
=Мы не стремимся к войне с Европой.Владимир Путин:�
digest-2/Markets steady as investors weigh Kremlin talks�Russian President Vladimir Putin held more than four hours of private talks in the Kremlin with Jared Kushner and Steve Witkoff as Washington explores options to end the war in Ukraine. The meeting produced no public agreement and did not resolve the central territorial dispute. The talks follow controversy over a leaked set of 28 U.S. draft proposals and competing European counter‑proposals, with leaders deeply divided over core Russian demands such as limits on NATO and recognition of occupied regions. All sides remain guarded about whether a negotiated settlement is attainable."Business*	CRBC News2
Guy Faulconbridge2
Timothy Heritage2
Gareth Jones2

Rod Nickel:MOSCOWB����J䪿�RenZRussiaZUkraineZ	DiplomacyZUnited StatesbBhttps://news.example.com/world/putin-kushner-witkoff-kremlin-talksj'© 2025 CRBC News. All rights reserved.z�
�
�Russian President Vladimir Putin met for more than four hours in the Kremlin with Jared Kushner and Steve Witkoff, who traveled as a private U.S. delegation exploring possible pathways to end the war in Ukraine. The meeting — attended by Putin’s foreign‑policy aide Yuri Ushakov and investment envoy Kirill Dmitriev, with interpreters present — ran late into the Moscow night and produced no public agreement.z�
�
�Shortly before the session, Putin warned European governments that a military confrontation with Russia would result in a swift and decisive outcome, and he dismissed European counter‑proposals on Ukraine as “absolutely unacceptable.” Russian and U.S. officials agreed not to disclose the substance of the talks; Ushakov said the American delegation would return to Washington to brief President Donald Trump and that no compromise had been reached on the central territorial questions."text*<