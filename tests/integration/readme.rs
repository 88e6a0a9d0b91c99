//! README.md shows real output: the example block must be exactly what the command prints now, and the
//! generated reports under reports/ (every file of each folder) must be exactly what the bundled scenarios
//! produce now.

use crate::common::{pullsim, repo_path};

#[test]
fn readme_example_output_is_what_the_command_prints() {
    let readme = std::fs::read_to_string(repo_path("README.md")).unwrap();
    let block = readme
        .split("<!-- readme-example:begin -->")
        .nth(1)
        .and_then(|s| s.split("<!-- readme-example:end -->").next())
        .expect("README has the example block");
    let mut lines = block.lines().filter(|l| !l.starts_with("```")).skip_while(|l| l.trim().is_empty());
    let command = lines.next().expect("a command line").strip_prefix("$ pullsim ").expect("starts with $ pullsim");
    let shown: Vec<&str> = lines.take_while(|l| !l.trim().is_empty()).collect();
    let out_dir = std::env::temp_dir().join(format!("pullsim-readme-{}", std::process::id()));
    let mut args: Vec<&str> = command.split_whitespace().collect();
    let out = out_dir.to_str().unwrap().to_string();
    args.extend(["--out", &out]);
    let (code, stdout, stderr) = pullsim(&args);
    assert_eq!(code, 0, "{stderr}");
    let printed: Vec<&str> = stdout.lines().filter(|l| !l.starts_with("wrote ")).collect();
    assert_eq!(shown, printed);
    let _ = std::fs::remove_dir_all(out_dir);
}

#[test]
fn committed_reports_match_what_the_scenarios_produce() {
    let mut checked = 0;
    for entry in std::fs::read_dir(repo_path("scenarios")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_str().unwrap().to_string();
        let out_dir = std::env::temp_dir().join(format!("pullsim-reports-{}-{name}", std::process::id()));
        let (code, _, stderr) =
            pullsim(&["run", path.to_str().unwrap(), "--quiet", "--out", out_dir.to_str().unwrap()]);
        assert_eq!(code, 0, "{stderr}");
        let names_in = |dir: &std::path::Path| -> Vec<String> {
            let mut v: Vec<String> = std::fs::read_dir(dir)
                .unwrap_or_else(|_| panic!("{} is missing: regenerate the reports", dir.display()))
                .map(|e| e.unwrap().file_name().to_str().unwrap().to_string())
                .collect();
            v.sort();
            v
        };
        let generated = names_in(&out_dir);
        assert!(generated.iter().any(|f| f == "summary.json") && generated.iter().any(|f| f == "index.html"));
        for file in &generated {
            let committed = std::fs::read(repo_path(&format!("reports/{name}/{file}")))
                .unwrap_or_else(|_| panic!("reports/{name}/{file} is missing: regenerate the reports (see README)"));
            let fresh = std::fs::read(out_dir.join(file)).unwrap();
            assert!(committed == fresh, "reports/{name}/{file} is stale: regenerate the reports (see README)");
        }
        for file in names_in(&repo_path(&format!("reports/{name}"))) {
            assert!(generated.contains(&file), "reports/{name}/{file} is no longer generated: remove it");
        }
        let _ = std::fs::remove_dir_all(out_dir);
        checked += 1;
    }
    assert!(checked >= 5);
}
