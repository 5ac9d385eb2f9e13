use rampart_core::testing::scan_text;
use rampart_sast::SastEngine;

#[test]
fn smoke() {
    let e = SastEngine::new();
    assert!(e.book().errors.is_empty(), "{:?}", e.book().errors);
    let src = "import os\nfrom flask import request\nimport subprocess\n\ndef f():\n    x = request.args.get('q')\n    y = 'ls ' + x\n    os.system(y)\n    subprocess.run(y, shell=True)\n    subprocess.run(['ls', x])\n    os.system('ls')\n    z = 'safe' if 7 > 3 else request.args['q']\n    os.system(z)\n\n@app.get('/x')\ndef g(q):\n    os.system(q)\n";
    let out = scan_text(&e, "a.py", src);
    for f in &out.findings {
        eprintln!(
            "{} {}:{} {:?}",
            f.rule_id,
            f.location.start_line,
            f.snippet,
            f.trace
                .iter()
                .map(|t| (t.location.start_line, t.message.clone()))
                .collect::<Vec<_>>()
        );
    }
    let lines: Vec<usize> = out
        .findings
        .iter()
        .filter(|f| f.rule_id == "sast/python-command-injection")
        .map(|f| f.location.start_line)
        .collect();
    assert_eq!(lines, vec![8, 9, 17]);
}
