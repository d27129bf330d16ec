// load_options (service_options.hpp): flags > ROPEKV_* environment > config
// file > defaults, bad values, unknown variables, --help. No network: the
// configs are only parsed, never given to an actor system.
#include <gtest/gtest.h>

#include <caf/actor_system_config.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

#include "ropekv/net/service_options.hpp"

namespace ropekv::net {
namespace {

// A service config in miniature: one option of each kind the services use.
struct test_config : caf::actor_system_config {
  uint16_t port = 0;
  std::string placement = "127.0.0.1:7400";
  std::string data_dir = "default-dir";
  bool durable_log = true;
  caf::timespan down_after = std::chrono::seconds(30);
  uint32_t owners = 3;

  test_config() {
    opt_group{custom_options_, "global"}
        .add(port, "port", "TCP port")
        .add(placement, "placement", "host:port of placement")
        .add(data_dir, "data-dir", "data directory")
        .add(durable_log, "durable-log", "fsync the log")
        .add(down_after, "down-after", "silence before repair")
        .add(owners, "owners", "owners to run");
  }
};

// A config file in a fresh temporary directory, removed with the fixture.
class options_test : public ::testing::Test {
 protected:
  void SetUp() override {
    auto tmpl = (std::filesystem::temp_directory_path() / "ropekv-options-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string write_file(const std::string& name, const std::string& text) {
    auto path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }

  // Runs load_options; what it printed is in out_ and err_.
  std::optional<int> load(test_config& cfg, std::vector<std::string> args, std::vector<std::string> env = {}) {
    out_.str("");
    err_.str("");
    // Keep CAF's default caf-application.ini out of the way: an explicit
    // file that exists, empty unless a test wrote one.
    if (!std::filesystem::exists(dir_ / "caf-application.ini")) write_file("caf-application.ini", "");
    cfg.config_file_path = (dir_ / "caf-application.ini").string();
    return load_options(cfg, std::move(args), env, out_, err_);
  }

  std::filesystem::path dir_;
  std::ostringstream out_, err_;
};

TEST(env_var_name, upper_case_with_underscores) {
  EXPECT_EQ(env_var_name("port"), "ROPEKV_PORT");
  EXPECT_EQ(env_var_name("http-port"), "ROPEKV_HTTP_PORT");
  EXPECT_EQ(env_var_name("election-timeout-ms"), "ROPEKV_ELECTION_TIMEOUT_MS");
}

TEST_F(options_test, defaults_without_any_source) {
  test_config cfg;
  EXPECT_EQ(load(cfg, {}), std::nullopt);
  EXPECT_EQ(cfg.port, 0);
  EXPECT_EQ(cfg.placement, "127.0.0.1:7400");
  EXPECT_TRUE(cfg.durable_log);
  EXPECT_EQ(err_.str(), "");
}

TEST_F(options_test, config_file_overrides_defaults) {
  auto file = write_file("svc.ini", "[global]\nport=7100\nplacement=\"10.0.0.1:1\"\ndown-after=5s\n");
  test_config cfg;
  ASSERT_EQ(load(cfg, {"--config-file=" + file}), std::nullopt) << err_.str();
  EXPECT_EQ(cfg.port, 7100);
  EXPECT_EQ(cfg.placement, "10.0.0.1:1");
  EXPECT_EQ(cfg.down_after, std::chrono::seconds(5));
  EXPECT_EQ(cfg.data_dir, "default-dir");
}

TEST_F(options_test, environment_overrides_config_file) {
  auto file = write_file("svc.ini", "[global]\nport=7100\nplacement=\"10.0.0.1:1\"\n");
  test_config cfg;
  ASSERT_EQ(load(cfg, {"--config-file=" + file}, {"ROPEKV_PORT=7200", "PATH=/bin"}), std::nullopt) << err_.str();
  EXPECT_EQ(cfg.port, 7200);
  EXPECT_EQ(cfg.placement, "10.0.0.1:1");  // not in the environment: the file's
  EXPECT_EQ(caf::get_or(cfg.content, "port", uint16_t{0}), 7200);
}

TEST_F(options_test, flags_override_environment_and_file) {
  auto file = write_file("svc.ini", "[global]\nport=7100\ndata-dir=\"file-dir\"\n");
  test_config cfg;
  ASSERT_EQ(load(cfg, {"--config-file=" + file, "--port=7300"}, {"ROPEKV_PORT=7200", "ROPEKV_DATA_DIR=/env/dir"}),
            std::nullopt)
      << err_.str();
  EXPECT_EQ(cfg.port, 7300);
  EXPECT_EQ(cfg.data_dir, "/env/dir");
}

TEST_F(options_test, environment_sets_strings_durations_and_bools) {
  test_config cfg;
  ASSERT_EQ(load(cfg, {}, {"ROPEKV_PLACEMENT=127.0.0.1:9001", "ROPEKV_DOWN_AFTER=250ms", "ROPEKV_DURABLE_LOG=false",
                           "ROPEKV_OWNERS=5"}),
            std::nullopt)
      << err_.str();
  EXPECT_EQ(cfg.placement, "127.0.0.1:9001");
  EXPECT_EQ(cfg.down_after, std::chrono::milliseconds(250));
  EXPECT_FALSE(cfg.durable_log);
  EXPECT_EQ(cfg.owners, 5u);
}

TEST_F(options_test, a_bool_flag_beats_the_environment) {
  test_config cfg;
  ASSERT_EQ(load(cfg, {"--durable-log"}, {"ROPEKV_DURABLE_LOG=false"}), std::nullopt) << err_.str();
  EXPECT_TRUE(cfg.durable_log);
}

TEST_F(options_test, config_file_named_by_the_environment) {
  auto file = write_file("env.ini", "[global]\nport=7400\n");
  test_config cfg;
  ASSERT_EQ(load(cfg, {}, {"ROPEKV_CONFIG_FILE=" + file}), std::nullopt) << err_.str();
  EXPECT_EQ(cfg.port, 7400);
}

TEST_F(options_test, config_file_flag_beats_the_environment_s) {
  auto env_file = write_file("env.ini", "[global]\nport=7400\n");
  auto flag_file = write_file("flag.ini", "[global]\nport=7500\n");
  test_config cfg;
  ASSERT_EQ(load(cfg, {"--config-file=" + flag_file}, {"ROPEKV_CONFIG_FILE=" + env_file}), std::nullopt)
      << err_.str();
  EXPECT_EQ(cfg.port, 7500);
}

TEST_F(options_test, bad_environment_value_is_exit_2_naming_the_variable) {
  test_config cfg;
  EXPECT_EQ(load(cfg, {}, {"ROPEKV_PORT=abc"}), 2);
  EXPECT_EQ(err_.str().rfind("bad configuration: ROPEKV_PORT=abc: ", 0), 0u) << err_.str();
  EXPECT_NE(err_.str().find("--port"), std::string::npos) << err_.str();
}

TEST_F(options_test, out_of_range_environment_value_is_exit_2) {
  test_config cfg;
  EXPECT_EQ(load(cfg, {}, {"ROPEKV_PORT=70000"}), 2);
  EXPECT_EQ(err_.str().rfind("bad configuration: ROPEKV_PORT=70000: ", 0), 0u) << err_.str();
}

TEST_F(options_test, bad_environment_duration_is_exit_2) {
  test_config cfg;
  EXPECT_EQ(load(cfg, {}, {"ROPEKV_DOWN_AFTER=soon"}), 2);
  EXPECT_EQ(err_.str().rfind("bad configuration: ROPEKV_DOWN_AFTER=soon: ", 0), 0u) << err_.str();
}

TEST_F(options_test, bad_environment_value_is_an_error_even_when_a_flag_overrides_it) {
  // Every source is checked: a typo in the environment should not wait for
  // the day the flag goes away.
  test_config cfg;
  EXPECT_EQ(load(cfg, {"--port=1"}, {"ROPEKV_PORT=abc"}), 2);
}

TEST_F(options_test, empty_environment_value_counts_as_not_set) {
  auto file = write_file("svc.ini", "[global]\nport=7100\n");
  test_config cfg;
  ASSERT_EQ(load(cfg, {"--config-file=" + file}, {"ROPEKV_PORT=", "ROPEKV_PLACEMENT="}), std::nullopt) << err_.str();
  EXPECT_EQ(cfg.port, 7100);
  EXPECT_EQ(cfg.placement, "127.0.0.1:7400");
}

TEST_F(options_test, bad_flag_value_is_exit_2) {
  test_config cfg;
  EXPECT_EQ(load(cfg, {"--port=abc"}), 2);
  EXPECT_EQ(err_.str().rfind("bad configuration: ", 0), 0u) << err_.str();
}

TEST_F(options_test, bad_config_file_value_is_exit_2_naming_file_and_key) {
  auto file = write_file("svc.ini", "[global]\nport=\"abc\"\n");
  test_config cfg;
  EXPECT_EQ(load(cfg, {"--config-file=" + file}), 2);
  EXPECT_NE(err_.str().find(file + ": port = "), std::string::npos) << err_.str();
}

TEST_F(options_test, missing_explicit_config_file_is_exit_2) {
  test_config cfg;
  EXPECT_EQ(load(cfg, {"--config-file=" + (dir_ / "absent.ini").string()}), 2);
  EXPECT_NE(err_.str().find("absent.ini"), std::string::npos) << err_.str();
}

TEST_F(options_test, unknown_ropekv_variables_warn_once_and_do_not_fail) {
  test_config cfg;
  ASSERT_EQ(load(cfg, {}, {"ROPEKV_ROUTER=127.0.0.1:8080", "ROPEKV_PORT=7001", "ROPEKV_OWNER_BIN=/x", "HOME=/root"}),
            std::nullopt);
  EXPECT_EQ(cfg.port, 7001);
  EXPECT_EQ(err_.str(), "warning: ignoring ROPEKV_ROUTER ROPEKV_OWNER_BIN (not options of this program; see --help)\n");
}

TEST_F(options_test, caf_help_switches_are_not_read_from_the_environment) {
  test_config cfg;
  ASSERT_EQ(load(cfg, {}, {"ROPEKV_HELP=true"}), std::nullopt);
  EXPECT_FALSE(cfg.cli_helptext_printed);
  EXPECT_NE(err_.str().find("ignoring ROPEKV_HELP"), std::string::npos);
}

TEST_F(options_test, help_lists_the_variables_and_the_precedence) {
  test_config cfg;
  // A bad environment does not stand in the way of --help.
  EXPECT_EQ(load(cfg, {"--help"}, {"ROPEKV_PORT=abc"}), 0);
  auto text = out_.str();
  EXPECT_NE(text.find("highest precedence first"), std::string::npos) << text;
  EXPECT_NE(text.find("command-line flags"), std::string::npos) << text;
  EXPECT_NE(text.find("ROPEKV_PORT"), std::string::npos) << text;
  EXPECT_NE(text.find("ROPEKV_DATA_DIR"), std::string::npos) << text;
  EXPECT_NE(text.find("ROPEKV_CONFIG_FILE"), std::string::npos) << text;
  EXPECT_EQ(text.find("ROPEKV_HELP"), std::string::npos) << text;
  EXPECT_EQ(err_.str(), "");
}

TEST_F(options_test, default_caf_application_ini_is_read_when_present) {
  write_file("caf-application.ini", "[global]\nowners=7\n");
  test_config cfg;
  ASSERT_EQ(load(cfg, {}, {}), std::nullopt) << err_.str();
  EXPECT_EQ(cfg.owners, 7u);
}

}  // namespace
}  // namespace ropekv::net
