// `sluice init` → `sluice deploy` → `sluice config …` as users run them: the project init
// writes deploys as is; a broken project lists every problem and deploys nothing; versions,
// diff and rollback work on what deploy stored.

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "process_util.h"
#include "sluice/common/json.h"

namespace {

namespace fs = std::filesystem;
using sluice::testing::RunResult;

class ProjectCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* base = std::getenv("SLUICE_TEST_TMPDIR");
    std::string tmpl = std::string(base ? base : "/tmp") + "/sluice-project-XXXXXX";
    dir_ = mkdtemp(tmpl.data());
    project_ = dir_ + "/orders";
  }
  void TearDown() override { fs::remove_all(dir_); }

  RunResult Run(std::vector<std::string> args) {
    return sluice::testing::Sluice(dir_ + "/home", std::move(args));
  }

  void Edit(const std::string& path, const std::string& from, const std::string& to) {
    std::ifstream in(project_ + "/" + path);
    std::stringstream text;
    text << in.rdbuf();
    std::string s = text.str();
    size_t at = s.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    s.replace(at, from.size(), to);
    std::ofstream(project_ + "/" + path) << s;
  }

  std::string dir_, project_;
};

TEST_F(ProjectCliTest, InitWritesAProjectThatDeploys) {
  RunResult init = Run({"init", project_});
  ASSERT_EQ(init.exit_code, 0) << init.err;
  EXPECT_TRUE(fs::exists(project_ + "/sluice.yaml"));
  EXPECT_TRUE(fs::exists(project_ + "/data/orders.csv"));

  RunResult check = Run({"deploy", "--check", "--project", project_});
  ASSERT_EQ(check.exit_code, 0) << check.err;
  EXPECT_EQ(check.out, "ok: project orders in " + project_ +
                           " is valid: 2 state machines, 1 job, 5 models, 1 trigger, 1 function, "
                           "2 topics, 1 alarm\n");
  EXPECT_FALSE(fs::exists(dir_ + "/home"));  // --check touches no engine home

  RunResult deploy = Run({"deploy", "--project", project_, "-m", "first"});
  ASSERT_EQ(deploy.exit_code, 0) << deploy.err;
  EXPECT_EQ(deploy.out.rfind("deployed orders as config version 1 (sha256 ", 0), 0) << deploy.out;
  EXPECT_NE(deploy.out.find("2 state machines, 1 job, 5 models, 1 trigger, 1 function, 2 topics, "
                            "1 alarm"),
            std::string::npos)
      << deploy.out;
  // The project's buckets exist now.
  RunResult ls = Run({"s3", "ls"});
  EXPECT_NE(ls.out.find("landing"), std::string::npos) << ls.out;
  EXPECT_NE(ls.out.find("archive"), std::string::npos) << ls.out;

  RunResult again = Run({"deploy", "--project", project_});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out.rfind("no changes: config version 1 already holds this project", 0), 0)
      << again.out;
}

TEST_F(ProjectCliTest, InitRefusesANonEmptyFolder) {
  fs::create_directories(project_);
  std::ofstream(project_ + "/notes.txt") << "mine";
  RunResult r = Run({"init", project_});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "sluice init: " + project_ +
                       " is not empty; sluice init writes a new project into an empty or missing "
                       "folder\n");
  EXPECT_FALSE(fs::exists(project_ + "/sluice.yaml"));
}

TEST_F(ProjectCliTest, DeployWithoutAProjectFileSaysHowToMakeOne) {
  fs::create_directories(project_);
  RunResult r = Run({"deploy", "--project", project_});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "sluice deploy: NotFound: no sluice.yaml in " + project_ +
                       " (sluice init DIR writes a project)\n");
}

TEST_F(ProjectCliTest, ABrokenProjectListsEveryProblemAndDeploysNothing) {
  ASSERT_EQ(Run({"init", project_}).exit_code, 0);
  Edit("statemachines/orders.asl.json", R"("Next": "Done")", R"("Next": "Finish")");
  Edit("sluice.yaml", "    state_machine: pipeline\n", "    state_machine: orderz\n");
  Edit("sluice.yaml", "triggers:\n",
       "triggers:\n  - name: everything\n    bucket: landing\n    filter: {suffix: .csv}\n"
       "    state_machine: orders\n");
  RunResult r = Run({"deploy", "--project", project_});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "statemachines/orders.asl.json: /States/Summarize/Next: MISSING_TRANSITION_TARGET: "
            "Missing 'Next' target: Finish\n"
            "statemachines/orders.asl.json: /States/Done: MISSING_TRANSITION_TARGET: State "
            "\"Done\" is not reachable.\n"
            "sluice.yaml:20:5: triggers[1].state_machine: state machine \"orderz\" does not exist "
            "(the project has orders, pipeline)\n"
            "sluice.yaml:20:5: triggers[1]: Configuration is ambiguously defined. Cannot have "
            "overlapping suffixes in two rules if the prefixes are overlapping for the same event "
            "type. (triggers \"everything\" and \"orders-landed\" on bucket \"landing\": prefixes "
            "\"\" and \"raw/\", suffixes \".csv\" and \".csv\")\n"
            "sluice deploy: 4 problems in " +
                project_ + "; nothing deployed\n");
  RunResult versions = Run({"config", "versions"});
  ASSERT_EQ(versions.exit_code, 0) << versions.err;
  EXPECT_EQ(versions.out, "[]\n");
  RunResult check = Run({"deploy", "--check", "--project", project_});
  EXPECT_EQ(check.exit_code, 2);
  EXPECT_EQ(check.err, r.err);
}

TEST_F(ProjectCliTest, VersionsDiffShowAndRollback) {
  ASSERT_EQ(Run({"init", project_}).exit_code, 0);
  ASSERT_EQ(Run({"deploy", "--project", project_}).exit_code, 0);
  Edit("sluice.yaml", "prefix: raw/", "prefix: incoming/");
  RunResult second = Run({"deploy", "--project", project_, "-m", "incoming/ instead of raw/"});
  ASSERT_EQ(second.exit_code, 0) << second.err;

  RunResult versions = Run({"config", "versions"});
  ASSERT_EQ(versions.exit_code, 0) << versions.err;
  auto list = sluice::common::ParseJson(versions.out, "versions");
  ASSERT_TRUE(list.ok()) << versions.out;
  ASSERT_EQ(list->as_array().size(), 2u);
  EXPECT_EQ(list->as_array()[0].as_object().at("version").as_int64(), 2);
  EXPECT_EQ(list->as_array()[0].as_object().at("message").as_string(), "incoming/ instead of raw/");

  RunResult diff = Run({"config", "diff", "1", "2"});
  ASSERT_EQ(diff.exit_code, 0) << diff.err;
  EXPECT_EQ(diff.out.rfind("changed: sluice.yaml (fields: triggers)\n\n--- v1/sluice.yaml\n"
                           "+++ v2/sluice.yaml\n",
                           0),
            0)
      << diff.out;
  EXPECT_NE(diff.out.find("\n-      prefix: raw/\n+      prefix: incoming/\n"), std::string::npos)
      << diff.out;

  RunResult rollback = Run({"config", "rollback", "1"});
  ASSERT_EQ(rollback.exit_code, 0) << rollback.err;
  EXPECT_EQ(rollback.out, "config version 3 restores version 1\n");
  RunResult show = Run({"config", "show", "--file", "sluice.yaml"});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_NE(show.out.find("prefix: raw/\n"), std::string::npos);
  RunResult same = Run({"config", "diff", "1", "3"});
  EXPECT_EQ(same.out, "no differences between config versions 1 and 3\n");

  RunResult missing = Run({"config", "show", "7"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_EQ(missing.err, "sluice config show: NotFound: config version 7 does not exist\n");
}

}  // namespace
