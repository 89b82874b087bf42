# Installation and the Debian package.
#
#   cmake --install build [--prefix DIR]   the binary (data is embedded), the
#                                          docs, and the bundled rule pack with
#                                          its emulations under share/picket
#   cd build && cpack -G DEB               picket_<version>_<arch>.deb: the same
#                                          under /usr, plus the systemd unit for
#                                          `picket serve`, /etc/default/picket
#                                          and the maintainer scripts (packaging/)
#
# The unit and /etc/default/picket have absolute Debian paths, so they are a
# component of their own ("service") that a plain `cmake --install` leaves
# out; the package includes every component.
include(GNUInstallDirs)

install(TARGETS picket RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime)
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT runtime)
file(GLOB PICKET_USER_DOCS ${CMAKE_SOURCE_DIR}/docs/*.md)
list(FILTER PICKET_USER_DOCS EXCLUDE REGEX "-status\\.md$")  # work notes, not user docs
install(FILES ${PICKET_USER_DOCS} DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT runtime)
install(DIRECTORY rules/ DESTINATION ${CMAKE_INSTALL_DATADIR}/picket/rules COMPONENT runtime
        FILES_MATCHING PATTERN "*.toml")
install(DIRECTORY emulations/ DESTINATION ${CMAKE_INSTALL_DATADIR}/picket/emulations
        COMPONENT runtime FILES_MATCHING PATTERN "*.json" PATTERN "*.ndjson"
        PATTERN "__pycache__" EXCLUDE)

# The package installs under /usr; the unit names the binary there.
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(PICKET_BINDIR ${CPACK_PACKAGING_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR})
set(PICKET_DOCDIR ${CPACK_PACKAGING_INSTALL_PREFIX}/${CMAKE_INSTALL_DOCDIR})
configure_file(packaging/picket.service.in ${CMAKE_BINARY_DIR}/packaging/picket.service @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/packaging/picket.service DESTINATION /lib/systemd/system
        COMPONENT service EXCLUDE_FROM_ALL)
install(FILES packaging/default.picket DESTINATION /etc/default RENAME picket
        COMPONENT service EXCLUDE_FROM_ALL)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME picket)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "picket maintainers <picket@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "Elastic detection rules over ECS events, and a static scanner for model files")
set(CPACK_PACKAGE_DESCRIPTION
    "picket runs Elastic detection-rules TOML files (KQL query and new_terms) unchanged over\n\
ECS JSON events with Elasticsearch's matching semantics, serves an Elasticsearch-compatible\n\
_bulk ingest (picket serve, with a systemd unit), lints rules, and statically scans\n\
pickle-based ML model files (PyTorch, NumPy, joblib) for code execution.")
# One package holding every component (a monolithic install would leave out
# the EXCLUDE_FROM_ALL service component).
set(CPACK_COMPONENTS_ALL runtime service)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_GROUPING ALL_COMPONENTS_IN_ONE)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Shared libraries: dpkg-shlibdeps reads the binary's NEEDED entries and
# writes each library's package with its minimum version.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")  # postinst creates the picket user
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_SOURCE_DIR}/packaging/debian/postinst ${CMAKE_SOURCE_DIR}/packaging/debian/prerm
    ${CMAKE_SOURCE_DIR}/packaging/debian/postrm ${CMAKE_SOURCE_DIR}/packaging/debian/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_STRIP_FILES OFF)  # keep RelWithDebInfo symbols for crash reports
include(CPack)
