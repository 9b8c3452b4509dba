//! `baton run --dry-run` over the Camunda 8 reference models (MIWG C.9.0–C.9.2): they
//! deploy together, and the dry run lists every route through each process.

mod support;

use support::{Workdir, repo_root};

#[test]
fn the_camunda_8_models_deploy_together_and_list_their_paths() {
    let dir = repo_root().join("../shared/corpus/bpmn-miwg/Reference");
    if !dir.exists() {
        eprintln!("skipped: {} not found", dir.display());
        return;
    }
    let files: Vec<String> = ["C.9.0.bpmn", "C.9.1.bpmn", "C.9.2.bpmn"]
        .iter()
        .map(|f| dir.join(f).display().to_string())
        .collect();
    let w = Workdir::new();
    let mut deploy = vec!["deploy", "--json"];
    deploy.extend(files.iter().map(String::as_str));
    let deployed = w.baton(&deploy);
    assert_eq!(deployed.code, 0, "{}", deployed.stderr);
    assert_eq!(
        deployed.json()["deployed"].as_array().map(Vec::len),
        Some(3)
    );

    let mut run = vec!["run", "--dry-run", "--json"];
    run.extend(files.iter().map(String::as_str));
    let out = w.baton(&run);
    let json = out.json();
    let processes = json["processes"].as_array().cloned().unwrap_or_default();
    assert_eq!(processes.len(), 3, "{}", out.stdout);
    let routes = |id: &str| -> Vec<String> {
        processes
            .iter()
            .find(|p| p["process"] == id)
            .and_then(|p| p["paths"].as_array())
            .map(|paths| {
                paths
                    .iter()
                    .map(|r| {
                        r.as_array()
                            .map(|ids| {
                                ids.iter()
                                    .filter_map(|i| i.as_str())
                                    .collect::<Vec<_>>()
                                    .join(" > ")
                            })
                            .unwrap_or_default()
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let manual = routes("ManualCheck");
    assert_eq!(
        manual,
        [
            "StartEvent_DecideManually > UserTask_DecideOnApplication > EndEvent_ManuallyDecided",
            "StartEvent_DecideManually > UserTask_DecideOnApplication > TimerEvent_Timeout > ErrorEndEvent_Timeout",
        ]
    );
    assert_eq!(routes("requestDocument_en").len(), 3);
    assert_eq!(routes("customer_onboarding_en").len(), 5);
}
